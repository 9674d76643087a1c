#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ports.h"
#include "util.h"

#define SYS_PORTS "/sys/class/virtio-ports"

static bool port_name_ok(const char *name)
{
        if (name[0] == '\0' || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '.' || *p == '-' || *p == '_'))
                        return false;
        return true;
}

static int link_port(const char *dev)
{
        char path[300], name[128], target[300], link[300];
        int r;

        snprintf(path, sizeof(path), SYS_PORTS "/%s/name", dev);
        r = read_line(path, name, sizeof(name));
        if (r < 0)
                return r;
        if (name[0] == '\0')
                return 0; /* the host has not named it yet */
        if (!port_name_ok(name))
                return -EINVAL;
        snprintf(target, sizeof(target), "../%s", dev);
        snprintf(link, sizeof(link), INIT_PORTS_DIR "/%s", name);
        if (symlink(target, link) < 0 && errno != EEXIST)
                return -errno;
        return 1;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

int ports_link_all(void)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int linked = 0;

        if (mkdir(INIT_PORTS_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        d = opendir(SYS_PORTS);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                int r;

                if (de->d_name[0] == '.')
                        continue;
                r = link_port(de->d_name);
                if (r < 0)
                        return r;
                linked += r;
        }
        return linked;
}

static bool all_linked(const char *const *names)
{
        char link[300];

        for (; *names; names++) {
                snprintf(link, sizeof(link), INIT_PORTS_DIR "/%s", *names);
                if (!path_exists(link))
                        return false;
        }
        return true;
}

int ports_wait(const char *const *names, unsigned timeout_ms)
{
        uint64_t deadline = now_ms() + timeout_ms;

        for (;;) {
                int r = ports_link_all();

                if (r < 0)
                        return r;
                if (all_linked(names))
                        return 0;
                if (now_ms() >= deadline)
                        return -ETIMEDOUT;
                sleep_ms(20);
        }
}
