#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static int console_fd = STDERR_FILENO;

static int reopen_std(const char *path, int flags, int target)
{
        int fd = open(path, flags | O_NOCTTY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        if (fd != target && dup2(fd, target) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        if (fd != target)
                close(fd);
        return 0;
}

int log_open_console(void)
{
        int r = reopen_std("/dev/null", O_RDONLY, STDIN_FILENO);

        if (r < 0)
                return r;
        r = reopen_std("/dev/console", O_WRONLY, STDOUT_FILENO);
        if (r < 0)
                return r;
        if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
                return -errno;
        console_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (console_fd < 0) {
                console_fd = STDERR_FILENO;
                return -errno;
        }
        return 0;
}

void log_raw(const char *text)
{
        (void) write_all(console_fd, text, strlen(text));
}

static void log_va(const char *suffix, const char *fmt, va_list ap)
{
        char line[512];
        int n = snprintf(line, sizeof(line), "ecivm-init: ");

        n += vsnprintf(line + n, sizeof(line) - (size_t) n, fmt, ap);
        if (n > (int) sizeof(line) - 2)
                n = (int) sizeof(line) - 2;
        if (suffix)
                n += snprintf(line + n, sizeof(line) - (size_t) n, ": %s", suffix);
        if (n > (int) sizeof(line) - 2)
                n = (int) sizeof(line) - 2;
        line[n++] = '\n';
        (void) write_all(console_fd, line, (size_t) n);
}

void log_msg(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(NULL, fmt, ap);
        va_end(ap);
}

int log_errno(int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_va(strerror(error < 0 ? -error : error), fmt, ap);
        va_end(ap);
        return error;
}

void log_tail(const char *name, const char *path, off_t from, unsigned lines)
{
        char buf[4096];
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        off_t size, start;
        ssize_t n;
        char *p;

        if (fd < 0)
                return;
        size = lseek(fd, 0, SEEK_END);
        start = size > (off_t) sizeof(buf) - 1 ? size - (off_t) sizeof(buf) + 1 : 0;
        if (start < from)
                start = from;
        n = pread(fd, buf, sizeof(buf) - 1, start);
        if (n <= 0)
                return;
        buf[n] = '\0';
        p = buf + n;
        for (unsigned seen = 0; p > buf; p--)
                if (p[-1] == '\n' && p != buf + n && ++seen == lines)
                        break;
        log_msg("last lines of %s (%s):", name, path);
        log_raw(p);
        if (buf[n - 1] != '\n')
                log_raw("\n");
}
