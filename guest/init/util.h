/* Small syscall helpers for ecivm-init: they return -errno and never log. */
#ifndef ECIVM_INIT_UTIL_H
#define ECIVM_INIT_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void freep(void *p)
{
        free(*(void **) p);
}

#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_free_ _cleanup_(freep)

#define TAKE_FD(fd)                \
        ({                         \
                int _t_ = (fd);    \
                (fd) = -1;         \
                _t_;               \
        })

static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

#define RET_NERRNO(expr)                                   \
        ({                                                 \
                long _r_ = (long) (expr);                  \
                _r_ < 0 ? negative_errno() : (int) _r_;    \
        })

/* CLOCK_BOOTTIME in milliseconds, i.e. the guest's uptime. */
uint64_t now_ms(void);
void sleep_ms(unsigned ms);

int copy_string(char *dst, size_t cap, const char *src);
/* Reads the whole file into BUF (NUL-terminated); -EFBIG if it does not fit. */
int read_file(const char *path, char *buf, size_t cap);
/* Reads the first line of a file without its newline. */
int read_line(const char *path, char *buf, size_t cap);
int write_all(int fd, const void *buf, size_t len);
int write_file(const char *path, const char *text, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
bool path_exists(const char *path);
const char *exit_status_string(int status, char *buf, size_t cap);

#endif
