#include "config.h"

#include <string.h>

#include "engine-peer.h"

#define RANGES_HEADER "ecivm-runc-ranges 1 "

/* A decimal number ending at a space, newline or NUL; advances *P. */
static int number(const char **p, unsigned long *ret)
{
        unsigned long v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -1;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (~0UL - 9) / 10)
                        return -1;
                v = v * 10 + (unsigned long) (*s - '0');
        }
        if (*s != ' ' && *s != '\n' && *s != '\0')
                return -1;
        *p = s;
        *ret = v;
        return 0;
}

/* The next space-delimited word of a line into OUT (at most MAX bytes). */
static int word(const char **p, char *out, size_t max)
{
        size_t n = strcspn(*p, " \n");

        if (n == 0 || n > max)
                return -1;
        memcpy(out, *p, n);
        out[n] = '\0';
        *p += n;
        return 0;
}

int engine_grant_id_valid(const char *id)
{
        size_t n = strlen(id);

        if (n == 0 || n > ENGINE_GRANT_MAX_ID || id[0] == '.')
                return 0;
        return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* The container that holds range INDEX as "used" in the allocator's file:
 * 1 with its id, 0 when none does, -1 when the text is not the allocator's
 * (a range listed twice, a line cut short). */
static int range_owner(const char *ranges, unsigned long index, char *ret_id)
{
        const char *line = strchr(ranges, '\n');
        int listed = 0, used = 0;

        while (line != NULL && *++line != '\0') {
                const char *p = line;
                unsigned long i;
                char state[8], id[ENGINE_GRANT_MAX_ID + 1];

                line = strchr(line, '\n');
                if (line == NULL || number(&p, &i) < 0 || *p++ != ' ')
                        return -1; /* the allocator ends every line */
                if (i != index)
                        continue;
                if (listed++ > 0)
                        return -1;
                if (word(&p, state, sizeof(state) - 1) < 0 || *p++ != ' ')
                        return -1;
                /* an id that cannot name a grant file cannot have one */
                if (strcmp(state, "used") == 0 && word(&p, id, ENGINE_GRANT_MAX_ID) == 0 &&
                    engine_grant_id_valid(id)) {
                        strcpy(ret_id, id);
                        used = 1;
                }
        }
        return used;
}

/* "<base> <size>\n" naming exactly this range */
static int grant_matches(const char *grant, unsigned long base, unsigned long size)
{
        const char *p = grant;
        unsigned long b, s;

        if (grant == NULL || number(&p, &b) < 0 || *p++ != ' ' || number(&p, &s) < 0)
                return 0;
        return b == base && s == size && (strcmp(p, "\n") == 0 || *p == '\0');
}

enum engine_peer_verdict engine_peer_decide(unsigned long uid, unsigned long gid, const char *ranges,
                                            engine_grant_lookup grant, void *user, char *ret_id)
{
        const char *p;
        unsigned long first, size, index;
        char id[ENGINE_GRANT_MAX_ID + 1];
        int owner;

        if (ranges == NULL || strncmp(ranges, RANGES_HEADER, strlen(RANGES_HEADER)) != 0)
                return ENGINE_PEER_NO_TABLE;
        p = ranges + strlen(RANGES_HEADER);
        if (number(&p, &first) < 0 || *p++ != ' ' || number(&p, &size) < 0 || *p != '\n' || size == 0 || first == 0)
                return ENGINE_PEER_NO_TABLE;
        /* first > 0: the VM's root (0) and system users are never in a range */
        if (uid < first)
                return ENGINE_PEER_OUTSIDE;
        index = (uid - first) / size;
        owner = range_owner(ranges, index, id);
        if (owner < 0)
                return ENGINE_PEER_NO_TABLE;
        if (owner == 0)
                return ENGINE_PEER_NO_CONTAINER;
        strcpy(ret_id, id);
        if (gid < first || (gid - first) / size != index)
                return ENGINE_PEER_GID;
        if (!grant_matches(grant(user, id), first + index * size, size))
                return ENGINE_PEER_NOT_GRANTED;
        return ENGINE_PEER_ALLOW;
}

const char *engine_peer_verdict_str(enum engine_peer_verdict v)
{
        switch (v) {
        case ENGINE_PEER_ALLOW: return "a container given the socket";
        case ENGINE_PEER_NO_TABLE: return "no container holds a user-ID range";
        case ENGINE_PEER_OUTSIDE: return "below the containers' user-ID ranges: a user of the VM itself";
        case ENGINE_PEER_NO_CONTAINER: return "no container holds its user-ID range";
        case ENGINE_PEER_GID: return "its gid is not in the same container's range";
        case ENGINE_PEER_NOT_GRANTED: return "its container was not given the socket";
        }
        return "?";
}
