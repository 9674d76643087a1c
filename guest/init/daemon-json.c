#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "daemon-json.h"

struct out {
        char *p;
        size_t cap, len;
        bool opened;
        int error;
};

void daemon_json_defaults(struct daemon_json *c)
{
        *c = (struct daemon_json){
                .host = "unix://" WIRE_PATH_DOCKER_SOCKET,
                .iptables = false,
                .containerd = WIRE_PATH_CONTAINERD_SOCKET,
                .storage_driver = "overlay2",
                .data_root = WIRE_PATH_DOCKER_ROOT,
                /* dockerd writes its own score at start: as low as the
                 * VM's other services, containers (>= 0) go first */
                .oom_score_adjust = -999,
        };
}

static void put_char(struct out *o, char ch)
{
        if (o->len + 1 >= o->cap) {
                o->error = -E2BIG;
                return;
        }
        o->p[o->len++] = ch;
        o->p[o->len] = '\0';
}

static void put_raw(struct out *o, const char *s)
{
        for (; *s; s++)
                put_char(o, *s);
}

static void put_string(struct out *o, const char *s)
{
        put_char(o, '"');
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;
                char esc[8];

                if (ch == '"' || ch == '\\') {
                        put_char(o, '\\');
                        put_char(o, (char) ch);
                } else if (ch < 0x20) {
                        snprintf(esc, sizeof(esc), "\\u%04x", ch);
                        put_raw(o, esc);
                } else {
                        put_char(o, (char) ch);
                }
        }
        put_char(o, '"');
}

static void put_key(struct out *o, const char *key)
{
        put_char(o, o->opened ? ',' : '{');
        o->opened = true;
        put_string(o, key);
        put_char(o, ':');
}

static void put_runtime(struct out *o, const struct daemon_json *c)
{
        put_key(o, "runtimes");
        put_char(o, '{');
        put_string(o, c->runtime_name);
        put_raw(o, ":{\"path\":");
        put_string(o, c->runtime_path);
        put_raw(o, "}}");
        if (c->runtime_extra)
                return;
        put_key(o, "default-runtime");
        put_string(o, c->runtime_name);
}

static bool complete(const struct daemon_json *c)
{
        if (!c->host || !c->containerd || !c->storage_driver || !c->data_root)
                return false;
        return !c->runtime_name == !c->runtime_path;
}

ssize_t daemon_json_build(const struct daemon_json *c, char *out, size_t cap)
{
        struct out o = { .p = out, .cap = cap };

        if (!complete(c) || cap == 0)
                return -EINVAL;
        out[0] = '\0';
        put_key(&o, "hosts");
        put_char(&o, '[');
        put_string(&o, c->host);
        put_char(&o, ']');
        put_key(&o, "iptables");
        put_raw(&o, c->iptables ? "true" : "false");
        put_key(&o, "ip-masq");
        put_raw(&o, c->iptables ? "true" : "false");
        put_key(&o, "containerd");
        put_string(&o, c->containerd);
        put_key(&o, "log-driver");
        put_string(&o, "json-file");
        put_key(&o, "storage-driver");
        put_string(&o, c->storage_driver);
        put_key(&o, "data-root");
        put_string(&o, c->data_root);
        if (c->oom_score_adjust != 0) {
                char num[16];

                snprintf(num, sizeof(num), "%d", c->oom_score_adjust);
                put_key(&o, "oom-score-adjust");
                put_raw(&o, num);
        }
        if (c->runtime_name)
                put_runtime(&o, c);
        if (c->extra_members && c->extra_members[0]) {
                put_char(&o, ',');
                put_raw(&o, c->extra_members);
        }
        put_raw(&o, "}\n");
        return o.error < 0 ? o.error : (ssize_t) o.len;
}
