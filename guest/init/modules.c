#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "modules.h"
#include "util.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool module_name_ok(const char *name)
{
        if (name[0] == '/' || strstr(name, ".."))
                return false;
        return ends_with(name, ".ko") || ends_with(name, ".ko.xz") || ends_with(name, ".ko.zst") ||
               ends_with(name, ".ko.gz");
}

static int load_one(const char *moddir, const char *name)
{
        char path[512];
        unsigned flags = ends_with(name, ".ko") ? 0 : MODULE_INIT_COMPRESSED_FILE;
        _cleanup_close_ int fd = -1;

        if (!module_name_ok(name))
                return -EINVAL;
        if (snprintf(path, sizeof(path), "%s/%s", moddir, name) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static char *trim(char *s)
{
        char *end;

        s += strspn(s, " \t");
        end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                *--end = '\0';
        return s;
}

int modules_load(const char *list, const char *moddir, char *failed, size_t cap)
{
        static char text[64 * 1024];
        char *save = NULL;
        int r = read_file(list, text, sizeof(text));

        if (r < 0) {
                copy_string(failed, cap, list);
                return r;
        }
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *name = trim(line);

                if (name[0] == '\0' || name[0] == '#')
                        continue;
                r = load_one(moddir, name);
                if (r < 0) {
                        snprintf(failed, cap, "%s", name);
                        return r;
                }
        }
        return 0;
}
