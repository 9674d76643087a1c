/* Linux's cgroup v2 counts a cgroup's block I/O in io.stat, per device,
 * in requests and bytes; /proc/diskstats counts the same per device plus
 * merges and times, which io.stat has no equivalent for (they are 0 here,
 * as lxcfs shows them 0 for what blkio does not count). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskstats.h"

#define MAX_DEVICES 256
#define SECTOR 512u

struct io_counts {
        unsigned major, minor;
        uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

static bool parse_u64(const char *s, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 20)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = v;
        return true;
}

static bool parse_dev(const char *s, size_t len, unsigned *major, unsigned *minor)
{
        const char *colon = memchr(s, ':', len);
        uint64_t ma, mi;

        if (colon == NULL || !parse_u64(s, (size_t) (colon - s), &ma) ||
            !parse_u64(colon + 1, len - (size_t) (colon + 1 - s), &mi) || ma > 0xfff || mi > 0xfffff)
                return false;
        *major = (unsigned) ma;
        *minor = (unsigned) mi;
        return true;
}

/* KEY=VALUE of one io.stat field; unknown keys (newer kernels add some) are
 * ignored */
static bool parse_field(const char *s, size_t len, struct io_counts *c)
{
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                { "rbytes", offsetof(struct io_counts, rbytes) }, { "wbytes", offsetof(struct io_counts, wbytes) },
                { "rios", offsetof(struct io_counts, rios) },     { "wios", offsetof(struct io_counts, wios) },
                { "dbytes", offsetof(struct io_counts, dbytes) }, { "dios", offsetof(struct io_counts, dios) },
        };
        const char *eq = memchr(s, '=', len);

        if (eq == NULL)
                return false;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (strlen(keys[i].key) == (size_t) (eq - s) && memcmp(s, keys[i].key, (size_t) (eq - s)) == 0)
                        return parse_u64(eq + 1, len - (size_t) (eq + 1 - s),
                                         (uint64_t *) (void *) ((char *) c + keys[i].offset));
        return true;
}

/* one io.stat line (LEN bytes, no newline) into C */
static bool parse_io_line(const char *line, size_t len, struct io_counts *c)
{
        const char *p = line, *end = line + len;
        bool first = true;

        memset(c, 0, sizeof(*c));
        while (p < end) {
                const char *sp = memchr(p, ' ', (size_t) (end - p));
                size_t n = sp ? (size_t) (sp - p) : (size_t) (end - p);

                if (n > 0 && !(first ? parse_dev(p, n, &c->major, &c->minor) : parse_field(p, n, c)))
                        return false;
                if (n > 0)
                        first = false;
                p += n + 1;
        }
        return !first;
}

static size_t parse_io_stat(const char *text, struct io_counts *out, size_t cap)
{
        size_t n = 0;

        for (const char *p = text; p && *p && n < cap;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);

                if (parse_io_line(p, len, &out[n]))
                        n++;
                p = nl ? nl + 1 : NULL;
        }
        return n;
}

static const struct io_counts *find_device(const struct io_counts *c, size_t n, unsigned major, unsigned minor)
{
        for (size_t i = 0; i < n; i++)
                if (c[i].major == major && c[i].minor == minor)
                        return &c[i];
        return NULL;
}

static bool any_io(const struct io_counts *c)
{
        return c->rios || c->wios || c->dios || c->rbytes || c->wbytes || c->dbytes;
}

/* the next space-separated word of [*P, END), or false when none is left */
static bool next_word(const char **p, const char *end, const char **word, size_t *len)
{
        while (*p < end && **p == ' ')
                (*p)++;
        *word = *p;
        while (*p < end && **p != ' ')
                (*p)++;
        *len = (size_t) (*p - *word);
        return *len > 0;
}

/* "major minor name" at the start of a /proc/diskstats line (LEN bytes, no
 * newline) */
static bool parse_device_head(const char *line, size_t len, unsigned *major, unsigned *minor, char name[33])
{
        const char *p = line, *end = line + len, *w;
        uint64_t ma, mi;
        size_t n;

        if (!next_word(&p, end, &w, &n) || !parse_u64(w, n, &ma) || ma > 0xfff ||
            !next_word(&p, end, &w, &n) || !parse_u64(w, n, &mi) || mi > 0xfffff ||
            !next_word(&p, end, &w, &n) || n > 32)
                return false;
        memcpy(name, w, n);
        name[n] = '\0';
        *major = (unsigned) ma;
        *minor = (unsigned) mi;
        return true;
}

static void render_line(FILE *f, const char *name, const struct io_counts *c)
{
        fprintf(f,
                "%4u %7u %s %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64 " 0 0 0 0 %" PRIu64 " 0 %" PRIu64
                " 0 0 0\n",
                c->major, c->minor, name, c->rios, c->rbytes / SECTOR, c->wios, c->wbytes / SECTOR, c->dios,
                c->dbytes / SECTOR);
}

char *diskstats_render(const char *vm_diskstats, const char *io_stat)
{
        struct io_counts *io = calloc(MAX_DEVICES, sizeof(*io));
        char *buf = NULL;
        size_t size = 0, n;
        FILE *f;

        if (io == NULL)
                return NULL;
        n = parse_io_stat(io_stat, io, MAX_DEVICES);
        f = open_memstream(&buf, &size);
        if (f == NULL) {
                free(io);
                return NULL;
        }
        for (const char *p = vm_diskstats; p && *p;) {
                const char *nl = strchr(p, '\n');
                const struct io_counts *c;
                unsigned major, minor;
                char name[33];

                if (parse_device_head(p, nl ? (size_t) (nl - p) : strlen(p), &major, &minor, name) &&
                    (c = find_device(io, n, major, minor)) != NULL && any_io(c))
                        render_line(f, name, c);
                p = nl ? nl + 1 : NULL;
        }
        free(io);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* an absolute path without control characters, "." or ".." components */
static bool plain_absolute_path(const char *p, size_t len)
{
        size_t comp = 0; /* start of the current component */

        if (len == 0 || p[0] != '/')
                return false;
        for (size_t i = 1; i <= len; i++) {
                if (i < len && ((unsigned char) p[i] < 0x20 || p[i] == 0x7f))
                        return false;
                if (i < len && p[i] != '/')
                        continue;
                if ((i - comp - 1 == 1 && p[comp + 1] == '.') ||
                    (i - comp - 1 == 2 && p[comp + 1] == '.' && p[comp + 2] == '.'))
                        return false;
                comp = i;
        }
        return true;
}

char *diskstats_cgroup_path(const char *proc_cgroup)
{
        for (const char *p = proc_cgroup; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);

                if (len >= 3 && memcmp(p, "0::", 3) == 0) {
                        if (!plain_absolute_path(p + 3, len - 3))
                                break;
                        return strndup(p + 3, len - 3);
                }
                p = nl ? nl + 1 : NULL;
        }
        errno = EINVAL;
        return NULL;
}
