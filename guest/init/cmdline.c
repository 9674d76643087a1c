#include "config.h"

#include <errno.h>
#include <string.h>

#include "cmdline.h"

/* one bit per key in parse_token's "seen" */
_Static_assert(WIRE_CMDLINE_N_KEYS <= 32, "too many command line keys");

struct token {
        const char *start;
        size_t len;
};

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n';
}

/* Kernel rules: whitespace separates, double quotes protect whitespace. */
static int next_token(const char **pos, struct token *t)
{
        const char *p = *pos;
        bool quoted = false;

        while (is_space(*p))
                p++;
        t->start = p;
        for (; *p && (quoted || !is_space(*p)); p++)
                if (*p == '"')
                        quoted = !quoted;
        t->len = (size_t) (p - t->start);
        *pos = p;
        return quoted ? -EINVAL : 0;
}

static bool dev_path_ok(const char *v, size_t len)
{
        if (len <= 5 || memcmp(v, "/dev/", 5) != 0)
                return false;
        for (size_t i = 5; i < len; i++) {
                char c = v[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || c == '/' || (c == '.' && (i == 0 || v[i - 1] != '.'));
                if (!ok)
                        return false;
        }
        return v[len - 1] != '/';
}

static bool value_is(const char *v, size_t len, const char *want)
{
        return strlen(want) == len && memcmp(v, want, len) == 0;
}

static int parse_bool(const char *v, size_t len, bool *ret)
{
        if (value_is(v, len, "0") || value_is(v, len, "1")) {
                *ret = v[0] == '1';
                return 0;
        }
        return -EINVAL;
}

static int parse_seconds(const char *v, size_t len, unsigned *ret)
{
        unsigned n = 0;

        if (len == 0 || len > 4 || v[0] == '0')
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return -EINVAL;
                n = n * 10 + (unsigned) (v[i] - '0');
        }
        if (n < WIRE_CMDLINE_HEARTBEAT_MIN || n > WIRE_CMDLINE_HEARTBEAT_MAX)
                return -EINVAL;
        *ret = n;
        return 0;
}

static int set_path(char *dst, size_t cap, const char *v, size_t len)
{
        if (len >= cap || !dev_path_ok(v, len))
                return -EINVAL;
        memcpy(dst, v, len);
        dst[len] = '\0';
        return 0;
}

static int set_fstype(char *dst, size_t cap, const char *v, size_t len)
{
        if (!value_is(v, len, "erofs") && !value_is(v, len, "squashfs") && !value_is(v, len, "ext4"))
                return -EINVAL;
        memcpy(dst, v, len);
        dst[len] = '\0';
        return 0;
}

static int set_hex64(char *dst, const char *v, size_t len)
{
        if (len != 64)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
                        return -EINVAL;
        memcpy(dst, v, len);
        dst[len] = '\0';
        return 0;
}

/* 1..2^30 blocks (4 TiB), decimal without a leading zero. */
static int parse_blocks(const char *v, size_t len, unsigned long long *ret)
{
        unsigned long long n = 0;

        if (len == 0 || len > 10 || v[0] == '0')
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return -EINVAL;
                n = n * 10 + (unsigned) (v[i] - '0');
        }
        if (n > WIRE_CMDLINE_VERITY_BLOCKS_MAX)
                return -EINVAL;
        *ret = n;
        return 0;
}

static int apply_key(struct init_cmdline *c, enum wire_cmdline_key key, const char *v, size_t len)
{
        switch (key) {
        case WIRE_CMDLINE_ROOT:
                return set_path(c->root, sizeof(c->root), v, len);
        case WIRE_CMDLINE_ROOTFSTYPE:
                return set_fstype(c->rootfstype, sizeof(c->rootfstype), v, len);
        case WIRE_CMDLINE_DATA:
                return set_path(c->data, sizeof(c->data), v, len);
        case WIRE_CMDLINE_PROBE:
                return parse_bool(v, len, &c->probe);
        case WIRE_CMDLINE_DOCKERD_IPTABLES:
                return parse_bool(v, len, &c->dockerd_iptables);
        case WIRE_CMDLINE_HEARTBEAT:
                return parse_seconds(v, len, &c->heartbeat_s);
        case WIRE_CMDLINE_VERITY:
                return set_hex64(c->verity_root_hash, v, len);
        case WIRE_CMDLINE_VERITY_SALT:
                return set_hex64(c->verity_salt, v, len);
        case WIRE_CMDLINE_VERITY_HASH:
                return set_path(c->verity_hash_dev, sizeof(c->verity_hash_dev), v, len);
        case WIRE_CMDLINE_VERITY_BLOCKS:
                return parse_blocks(v, len, &c->verity_blocks);
        case WIRE_CMDLINE_N_KEYS:
                break;
        }
        return -EINVAL;
}

static int fail(struct init_cmdline_error *err, size_t offset, const char *why)
{
        if (err) {
                err->offset = offset;
                err->why = why;
        }
        return -EINVAL;
}

static int parse_token(struct init_cmdline *c, const struct token *t, unsigned *seen, const char **why)
{
        const char *name = t->start + strlen(WIRE_CMDLINE_PREFIX);
        const char *eq = memchr(t->start, '=', t->len);
        int key;

        if (memchr(t->start, '"', t->len))
                return *why = "quotes in an ecivm key", -EINVAL;
        if (!eq)
                return *why = "ecivm key without a value", -EINVAL;
        key = wire_cmdline_key_lookup(name, (size_t) (eq - name));
        if (key < 0)
                return *why = "unknown ecivm key", -EINVAL;
        if (*seen & (1u << key))
                return *why = "repeated ecivm key", -EINVAL;
        *seen |= 1u << key;
        if (apply_key(c, key, eq + 1, t->len - (size_t) (eq + 1 - t->start)) < 0)
                return *why = "bad value for an ecivm key", -EINVAL;
        return 0;
}

static bool is_ecivm_token(const struct token *t)
{
        size_t n = strlen(WIRE_CMDLINE_PREFIX);

        return t->len >= n && memcmp(t->start, WIRE_CMDLINE_PREFIX, n) == 0;
}

int init_cmdline_parse(const char *text, struct init_cmdline *ret, struct init_cmdline_error *err)
{
        struct init_cmdline c = { .rootfstype = WIRE_CMDLINE_DEFAULT_ROOTFSTYPE,
                                  .heartbeat_s = WIRE_CMDLINE_HEARTBEAT_DEFAULT };
        const char *pos = text;
        unsigned seen = 0;

        if (strlen(text) > WIRE_CMDLINE_PROC_MAX)
                return fail(err, WIRE_CMDLINE_PROC_MAX, "command line too long");
        for (;;) {
                struct token t;
                const char *why = NULL;

                if (next_token(&pos, &t) < 0)
                        return fail(err, (size_t) (t.start - text), "unbalanced quote");
                if (t.len == 0)
                        break;
                if (is_ecivm_token(&t) && parse_token(&c, &t, &seen, &why) < 0)
                        return fail(err, (size_t) (t.start - text), why);
        }
        if (!c.probe && !(seen & (1u << WIRE_CMDLINE_ROOT)))
                return fail(err, strlen(text), "ecivm.root missing");
        if (!c.probe && !(seen & (1u << WIRE_CMDLINE_DATA)))
                return fail(err, strlen(text), "ecivm.data missing");
        if (!c.probe && !(seen & (1u << WIRE_CMDLINE_VERITY)))
                return fail(err, strlen(text), "ecivm.verity missing (the root must be dm-verity protected)");
        if ((seen & (1u << WIRE_CMDLINE_VERITY)) &&
            (seen & (1u << WIRE_CMDLINE_VERITY_SALT | 1u << WIRE_CMDLINE_VERITY_HASH | 1u << WIRE_CMDLINE_VERITY_BLOCKS)) !=
                    (1u << WIRE_CMDLINE_VERITY_SALT | 1u << WIRE_CMDLINE_VERITY_HASH | 1u << WIRE_CMDLINE_VERITY_BLOCKS))
                return fail(err, strlen(text), "ecivm.verity needs ecivm.verity_salt, _hash and _blocks");
        if ((seen & (1u << WIRE_CMDLINE_VERITY)) &&
            (strcmp(c.verity_hash_dev, c.root) == 0 || strcmp(c.verity_hash_dev, c.data) == 0))
                return fail(err, strlen(text), "ecivm.verity_hash must differ from ecivm.root and ecivm.data");
        *ret = c;
        return 0;
}
