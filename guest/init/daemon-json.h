/* dockerd's daemon.json, built from a small struct by a pure function. */
#ifndef ECIVM_INIT_DAEMON_JSON_H
#define ECIVM_INIT_DAEMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct daemon_json {
        const char *host;              /* "unix:///run/docker.sock" */
        bool iptables;                 /* also drives ip-masq */
        const char *containerd;        /* containerd socket path */
        const char *storage_driver;
        const char *data_root;
        const char *runtime_name;      /* optional: default runtime name */
        const char *runtime_path;      /* ... and its binary (both or neither) */
        bool runtime_extra;            /* register it without making it the default */
        int oom_score_adjust;          /* dockerd's own oom_score_adj (0: dockerd's default, -500) */
        /* optional: more members, "\"k\":v,..." without braces: the
         * administrator's and user's dockerDaemonOptions, which the host
         * filtered (none of the keys above can be among them) */
        const char *extra_members;
};

/* The values ecivm-init uses. */
void daemon_json_defaults(struct daemon_json *c);
/* Writes the JSON text (one line plus a newline) into OUT; returns its length,
 * -EINVAL for a missing field, -E2BIG if CAP is too small. */
ssize_t daemon_json_build(const struct daemon_json *c, char *out, size_t cap);

#endif
