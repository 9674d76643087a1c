#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golden-regen.h"

#define REGEN_VAR "ECIVM_REGENERATE_GOLDEN"

static char **rewritten;
static size_t n_rewritten, n_unchanged;

int golden_regen_mode(void)
{
        const char *v = getenv(REGEN_VAR);

        if (v == NULL || v[0] == '\0')
                return 0;
        if (strcmp(v, "1") == 0)
                return 1;
        fprintf(stderr, "%s=%s: only 1 (regenerate the golden files) is accepted; unset it to compare\n", REGEN_VAR,
                v);
        exit(1);
}

/* Runs at exit of a regeneration run: the list, and never a pass. */
static void report(void)
{
        fprintf(stderr, "%s=1: rewrote %zu golden file(s), %zu unchanged; review the diff, then run again without "
                "%s:\n", REGEN_VAR, n_rewritten, n_unchanged, REGEN_VAR);
        for (size_t i = 0; i < n_rewritten; i++)
                fprintf(stderr, "  rewrote %s\n", rewritten[i]);
        fflush(NULL);
        _exit(1);
}

void golden_regen_note(const char *path, int changed)
{
        static int registered;

        if (!registered) {
                registered = 1;
                if (atexit(report) != 0)
                        abort();
        }
        if (!changed) {
                n_unchanged++;
                return;
        }
        rewritten = realloc(rewritten, (n_rewritten + 1) * sizeof(*rewritten));
        if (rewritten == NULL || (rewritten[n_rewritten] = strdup(path)) == NULL)
                abort();
        n_rewritten++;
}

static int same_content(const char *path, const void *data, size_t len)
{
        FILE *f = fopen(path, "re");
        char *old;
        size_t got;
        int same;

        if (f == NULL)
                return 0;
        old = malloc(len + 1);
        if (old == NULL)
                abort();
        got = fread(old, 1, len + 1, f);
        same = !ferror(f) && got == len && memcmp(old, data, len) == 0;
        fclose(f);
        free(old);
        return same;
}

void golden_regen_write(const char *path, const void *data, size_t len)
{
        FILE *f;

        if (same_content(path, data, len)) {
                golden_regen_note(path, 0);
                return;
        }
        f = fopen(path, "we");
        if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "cannot write golden file %s: %s\n", path, strerror(errno));
                exit(1);
        }
        golden_regen_note(path, 1);
}
