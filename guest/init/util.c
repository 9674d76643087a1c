#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "util.h"

uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int copy_string(char *dst, size_t cap, const char *src)
{
        size_t n = strlen(src);

        if (n >= cap)
                return -ENAMETOOLONG;
        memcpy(dst, src, n + 1);
        return 0;
}

int read_file(const char *path, char *buf, size_t cap)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        size_t have = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = read(fd, buf + have, cap - 1 - have);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                have += (size_t) n;
                if (have == cap - 1)
                        return -EFBIG;
        }
        buf[have] = '\0';
        return (int) have;
}

int read_line(const char *path, char *buf, size_t cap)
{
        int r = read_file(path, buf, cap);

        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int write_file(const char *path, const char *text, mode_t mode)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);

        if (fd < 0)
                return -errno;
        return write_all(fd, text, strlen(text));
}

int mkdir_p(const char *path, mode_t mode)
{
        char buf[256];
        int r = copy_string(buf, sizeof(buf), path);

        if (r < 0)
                return r;
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

bool path_exists(const char *path)
{
        return access(path, F_OK) == 0;
}

const char *exit_status_string(int status, char *buf, size_t cap)
{
        if (WIFEXITED(status))
                snprintf(buf, cap, "%d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, cap, "signal-%d", WTERMSIG(status));
        else
                snprintf(buf, cap, "unknown-%d", status);
        return buf;
}
