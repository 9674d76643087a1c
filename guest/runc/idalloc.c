#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "idalloc.h"

G_DEFINE_QUARK(eci-idalloc-error-quark, eci_idalloc_error)

#define HEADER "ecivm-runc-ranges 1"
#define MAX_ID_LEN 128

typedef struct {
        gboolean present, used;
        char *id, *root;
        gint64 when;
} Slot;

typedef struct {
        const EciIdAllocConfig *cfg;
        Slot *slots;
        int lock_fd;
        char *path;
} State;

static void state_clear(State *s)
{
        if (s->slots != NULL)
                for (guint32 i = 0; i < s->cfg->count; i++) {
                        g_free(s->slots[i].id);
                        g_free(s->slots[i].root);
                }
        g_free(s->slots);
        g_free(s->path);
        if (s->lock_fd >= 0)
                close(s->lock_fd); /* drops the flock */
        s->slots = NULL;
        s->path = NULL;
        s->lock_fd = -1;
}

static gboolean valid_word(const char *s)
{
        if (s == NULL || *s == '\0' || strlen(s) > 4096)
                return FALSE;
        for (; *s; s++)
                if (*s <= ' ' || *s == 0x7f)
                        return FALSE;
        return TRUE;
}

static gboolean io_error(GError **error, const char *what, const char *path)
{
        int e = errno;

        g_set_error(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_IO, "ecivm: user-ID ranges: %s %s: %s", what, path,
                    g_strerror(e));
        return FALSE;
}

static gboolean corrupt(GError **error, const char *path, guint line, const char *why)
{
        g_set_error(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_CORRUPT,
                    "ecivm: user-ID range file %s is corrupt (line %u: %s); no container can start until an "
                    "administrator repairs or removes it", path, line, why);
        return FALSE;
}

/* "<index> used|free <id> <root> <when>" */
static gboolean parse_line(State *s, char *line, guint lineno, GError **error)
{
        g_auto(GStrv) f = g_strsplit(line, " ", -1);
        guint64 index;
        gint64 when;
        Slot *slot;

        if (g_strv_length(f) != 5)
                return corrupt(error, s->path, lineno, "expected 5 fields");
        if (!g_ascii_string_to_unsigned(f[0], 10, 0, s->cfg->count - 1, &index, NULL))
                return corrupt(error, s->path, lineno, "bad range index");
        if (strcmp(f[1], "used") != 0 && strcmp(f[1], "free") != 0)
                return corrupt(error, s->path, lineno, "state is neither used nor free");
        if (!valid_word(f[2]) || !valid_word(f[3]) || !g_ascii_string_to_signed(f[4], 10, 0, G_MAXINT64, &when, NULL))
                return corrupt(error, s->path, lineno, "bad container id, root or time");
        slot = &s->slots[index];
        if (slot->present)
                return corrupt(error, s->path, lineno, "range listed twice");
        slot->present = TRUE;
        slot->used = strcmp(f[1], "used") == 0;
        slot->id = g_strdup(f[2]);
        slot->root = g_strdup(f[3]);
        slot->when = when;
        return TRUE;
}

static gboolean parse(State *s, char *text, GError **error)
{
        g_autofree char *want = g_strdup_printf(HEADER " %u %u", s->cfg->first, s->cfg->size);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        guint n = g_strv_length(lines);

        if (n == 0 || (n == 1 && lines[0][0] == '\0'))
                return TRUE; /* new */
        if (strcmp(lines[0], want) != 0)
                return corrupt(error, s->path, 1, "bad header");
        if (lines[n - 1][0] != '\0')
                return corrupt(error, s->path, n, "truncated");
        for (guint i = 1; i + 1 < n; i++)
                if (!parse_line(s, lines[i], i + 1, error))
                        return FALSE;
        /* an ID may hold one range */
        {
                g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

                for (guint32 i = 0; i < s->cfg->count; i++)
                        if (s->slots[i].present && s->slots[i].used && !g_hash_table_add(seen, s->slots[i].id))
                                return corrupt(error, s->path, 0, "a container holds two ranges");
        }
        return TRUE;
}

static gboolean state_load(State *s, const EciIdAllocConfig *cfg, GError **error)
{
        g_autofree char *lock_path = NULL;
        g_autofree char *text = NULL;
        g_autoptr(GError) local = NULL;
        gsize len;

        s->cfg = cfg;
        s->lock_fd = -1;
        if (cfg->count == 0 || cfg->size == 0 || (guint64) cfg->first + (guint64) cfg->size * cfg->count > G_MAXUINT32) {
                g_set_error(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_INVALID, "ecivm: bad user-ID range pool");
                return FALSE;
        }
        if (g_mkdir_with_parents(cfg->dir, 0700) < 0)
                return io_error(error, "create", cfg->dir);
        lock_path = g_build_filename(cfg->dir, "ranges.lock", NULL);
        s->path = g_build_filename(cfg->dir, "ranges", NULL);
        s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (s->lock_fd < 0)
                return io_error(error, "open", lock_path);
        while (flock(s->lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return io_error(error, "lock", lock_path);
        s->slots = g_new0(Slot, cfg->count);
        if (!g_file_get_contents(s->path, &text, &len, &local)) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return TRUE;
                g_set_error(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_IO, "ecivm: user-ID ranges: %s",
                            local->message);
                return FALSE;
        }
        if (strlen(text) != len)
                return corrupt(error, s->path, 0, "contains NUL bytes");
        return parse(s, text, error);
}

static gboolean state_save(State *s, GError **error)
{
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *tmp = g_strconcat(s->path, ".tmp", NULL);
        int fd;

        g_string_append_printf(out, HEADER " %u %u\n", s->cfg->first, s->cfg->size);
        for (guint32 i = 0; i < s->cfg->count; i++)
                if (s->slots[i].present)
                        g_string_append_printf(out, "%u %s %s %s %" G_GINT64_FORMAT "\n", i,
                                               s->slots[i].used ? "used" : "free", s->slots[i].id, s->slots[i].root,
                                               s->slots[i].when);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return io_error(error, "create", tmp);
        for (gsize off = 0; off < out->len;) {
                ssize_t n = write(fd, out->str + off, out->len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        close(fd);
                        return io_error(error, "write", tmp);
                }
                off += (gsize) n;
        }
        if (fsync(fd) < 0) {
                close(fd);
                return io_error(error, "fsync", tmp);
        }
        close(fd);
        if (rename(tmp, s->path) < 0)
                return io_error(error, "rename", tmp);
        fd = open(s->cfg->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) fsync(fd);
                close(fd);
        }
        return TRUE;
}

static gint find(const State *s, const char *id, gboolean used)
{
        for (guint32 i = 0; i < s->cfg->count; i++)
                if (s->slots[i].present && s->slots[i].used == used && strcmp(s->slots[i].id, id) == 0)
                        return (gint) i;
        return -1;
}

static void collect_vanished(State *s)
{
        if (s->cfg->still_used == NULL)
                return;
        for (guint32 i = 0; i < s->cfg->count; i++) {
                Slot *slot = &s->slots[i];

                if (slot->present && slot->used &&
                    !s->cfg->still_used(slot->id, slot->root, slot->when, s->cfg->data))
                        slot->used = FALSE;
        }
}

/* Lowest never-used or released range whose container is gone; else the
 * longest-released one of a stopped container; -1 when all are in use. */
static gint pick(const State *s)
{
        gint oldest = -1;

        for (guint32 i = 0; i < s->cfg->count; i++) {
                const Slot *slot = &s->slots[i];

                if (!slot->present)
                        return (gint) i;
                if (slot->used)
                        continue;
                if (s->cfg->still_known == NULL || !s->cfg->still_known(slot->id, s->cfg->data))
                        return (gint) i;
                if (oldest < 0 || slot->when < s->slots[oldest].when)
                        oldest = (gint) i;
        }
        return oldest;
}

static gboolean check_id(const char *id, GError **error)
{
        if (!valid_word(id) || strlen(id) > MAX_ID_LEN) {
                g_set_error(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_INVALID, "ecivm: bad container id");
                return FALSE;
        }
        return TRUE;
}

gboolean eci_idalloc_acquire(const EciIdAllocConfig *cfg, const char *id, const char *root, guint32 *ret_base,
                             GError **error)
{
        State s = { .lock_fd = -1 };
        gboolean ok = FALSE;
        gint i;

        if (!check_id(id, error) || !state_load(&s, cfg, error))
                goto out;
        i = find(&s, id, TRUE);
        if (i < 0) {
                collect_vanished(&s);
                i = find(&s, id, FALSE);
                if (i < 0)
                        i = pick(&s);
                if (i < 0) {
                        g_set_error(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_EXHAUSTED,
                                    "ecivm: no free user-ID range: all %u ranges of %u IDs are in use (remove "
                                    "containers to free some)", cfg->count, cfg->size);
                        goto out;
                }
                g_free(s.slots[i].id);
                g_free(s.slots[i].root);
                s.slots[i] = (Slot){ TRUE, TRUE, g_strdup(id), g_strdup(valid_word(root) ? root : "-"),
                                     g_get_real_time() / G_USEC_PER_SEC };
                if (!state_save(&s, error))
                        goto out;
        }
        *ret_base = cfg->first + (guint32) i * cfg->size;
        ok = TRUE;
out:
        state_clear(&s);
        return ok;
}

gboolean eci_idalloc_release(const EciIdAllocConfig *cfg, const char *id, GError **error)
{
        State s = { .lock_fd = -1 };
        gboolean ok = FALSE;
        gint i;

        if (!check_id(id, error) || !state_load(&s, cfg, error))
                goto out;
        i = find(&s, id, TRUE);
        if (i >= 0) {
                s.slots[i].used = FALSE;
                s.slots[i].when = g_get_real_time() / G_USEC_PER_SEC;
                if (!state_save(&s, error))
                        goto out;
        }
        ok = TRUE;
out:
        state_clear(&s);
        return ok;
}

gboolean eci_idalloc_lookup(const EciIdAllocConfig *cfg, const char *id, guint32 *ret_base, GError **error)
{
        State s = { .lock_fd = -1 };
        gboolean ok = FALSE;
        gint i;

        if (!check_id(id, error) || !state_load(&s, cfg, error))
                goto out;
        i = find(&s, id, TRUE);
        if (i >= 0) {
                *ret_base = cfg->first + (guint32) i * cfg->size;
                ok = TRUE;
        }
out:
        state_clear(&s);
        return ok;
}
