#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "error.h"
#include "logs.h"

#define TAIL_WINDOW (4 * 1024 * 1024)

char *ecivm_logs_path(const char *state_dir, const char *source, GError **error)
{
        static const char *const names[][2] = { { "console", "console.log" },
                                                 { "guest", "guest.log" },
                                                 { "daemon", "ecivmd.log" } };

        for (guint i = 0; i < G_N_ELEMENTS(names); i++)
                if (g_strcmp0(source, names[i][0]) == 0)
                        return g_build_filename(state_dir, names[i][1], NULL);
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "logs: unknown source \"%s\" (console, guest or daemon)",
                    source ? source : "");
        return NULL;
}

/* Split BUF[0..len) into complete lines; *used gets the bytes consumed. */
static GPtrArray *complete_lines(const char *buf, gsize len, gsize *used)
{
        GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
        gsize start = 0;

        for (gsize i = 0; i < len; i++) {
                if (buf[i] != '\n')
                        continue;
                g_ptr_array_add(lines, g_utf8_make_valid(buf + start, (gssize) (i - start)));
                start = i + 1;
        }
        *used = start;
        return lines;
}

static GStrv to_strv(GPtrArray *lines, guint keep_last)
{
        GStrv out;
        guint from = lines->len > keep_last ? lines->len - keep_last : 0;

        out = g_new0(char *, lines->len - from + 1);
        for (guint i = from; i < lines->len; i++)
                out[i - from] = g_strdup(lines->pdata[i]);
        g_ptr_array_unref(lines);
        return out;
}

GStrv ecivm_logs_tail(const char *path, guint n, goffset *ret_end, GError **error)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        g_autofree char *buf = NULL;
        off_t size, start;
        ssize_t got;
        gsize used;
        GPtrArray *lines;

        *ret_end = 0;
        if (fd < 0 && errno == ENOENT)
                return g_new0(char *, 1);
        if (fd < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(errno));
                return NULL;
        }
        size = lseek(fd, 0, SEEK_END);
        start = size > TAIL_WINDOW ? size - TAIL_WINDOW : 0;
        buf = g_malloc(size - start + 1);
        got = pread(fd, buf, (size_t) (size - start), start);
        close(fd);
        if (got < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(errno));
                return NULL;
        }
        lines = complete_lines(buf, (gsize) got, &used);
        *ret_end = start + (goffset) used;
        return to_strv(lines, MIN(n, ECIVM_LOGS_MAX_LINES));
}

GStrv ecivm_logs_read_new(const char *path, goffset *offset)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[65536];
        ssize_t got;
        gsize used;
        off_t size;

        if (fd < 0)
                return g_new0(char *, 1);
        size = lseek(fd, 0, SEEK_END);
        if (size < *offset) /* the file started over (a new boot) */
                *offset = 0;
        got = pread(fd, buf, sizeof(buf), *offset);
        close(fd);
        if (got <= 0)
                return g_new0(char *, 1);
        GPtrArray *lines = complete_lines(buf, (gsize) got, &used);
        if (used == 0 && got == sizeof(buf)) { /* one huge line: pass it on in pieces */
                g_ptr_array_add(lines, g_utf8_make_valid(buf, got));
                used = (gsize) got;
        }
        *offset += (goffset) used;
        return to_strv(lines, G_MAXUINT);
}
