/* The ecivm.* keys of the kernel command line: a pure, strict parser. */
#ifndef ECIVM_INIT_CMDLINE_H
#define ECIVM_INIT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define INIT_CMDLINE_MAX 4096
#define INIT_HEARTBEAT_DEFAULT 2u
#define INIT_HEARTBEAT_MAX 3600u

struct init_cmdline {
        char root[64];       /* ecivm.root: a /dev path */
        char rootfstype[16]; /* ecivm.rootfstype: erofs (default), squashfs, ext4 */
        char data[64];       /* ecivm.data: a /dev path */
        bool probe;          /* ecivm.probe=1: say ECIVM-PROBE-OK, power off */
        bool dockerd_iptables;
        unsigned heartbeat_s;
        /* dm-verity root, required outside probe mode: ecivm.verity (root
         * hash), ecivm.verity_salt (64 lowercase hex each), ecivm.verity_hash
         * (the hash tree device), ecivm.verity_blocks (data blocks, 4 KiB). */
        char verity_root_hash[65];
        char verity_salt[65];
        char verity_hash_dev[64];
        unsigned long long verity_blocks;
};

struct init_cmdline_error {
        size_t offset;   /* where in the text the problem is */
        const char *why; /* static string */
};

/* Parses TEXT (the contents of /proc/cmdline).  Keys outside ecivm.* are
 * ignored; an unknown, repeated or malformed ecivm.* key, or a missing
 * ecivm.root/ecivm.data outside probe mode, gives -EINVAL and fills ERR
 * (optional).  RET is written only on success. */
int init_cmdline_parse(const char *text, struct init_cmdline *ret, struct init_cmdline_error *err);

#endif
