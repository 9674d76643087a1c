/* The ecivm.* keys of the kernel command line: a pure, strict parser. */
#ifndef ECIVM_INIT_CMDLINE_H
#define ECIVM_INIT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "contract.h"

/* A buffer for /proc/cmdline (read_file needs a byte to spare). */
#define INIT_CMDLINE_BUF (WIRE_CMDLINE_PROC_MAX + 2)

struct init_cmdline {
        char root[64];       /* ecivm.root: a /dev path */
        char rootfstype[16]; /* ecivm.rootfstype: erofs (the default), squashfs, ext4 */
        char data[64];       /* ecivm.data: a /dev path */
        bool probe;          /* ecivm.probe=1: say ECIVM-PROBE-OK, power off */
        bool dockerd_iptables;
        unsigned heartbeat_s; /* ecivm.heartbeat, WIRE_CMDLINE_HEARTBEAT_DEFAULT when absent */
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

/* Parses TEXT (the contents of /proc/cmdline, at most WIRE_CMDLINE_PROC_MAX
 * bytes).  The keys are those of WIRE_CMDLINE_KEYS; keys outside ecivm.* are
 * ignored; an unknown, repeated or malformed ecivm.* key, or a missing
 * ecivm.root/ecivm.data outside probe mode, gives -EINVAL and fills ERR
 * (optional).  RET is written only on success. */
int init_cmdline_parse(const char *text, struct init_cmdline *ret, struct init_cmdline_error *err);

#endif
