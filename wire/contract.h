/* The contract between host (vmm/) and guest (guest/): every name both sides
 * use, defined once.  Plain C, no GLib, like the rest of wire/.
 *
 * Four parts, each a table that the host's builder, the guest's parser, the
 * verifier and tests/unit/test-contract.c iterate:
 *   - the ecivm.* keys of the kernel command line, with their limits and
 *     defaults (the host writes them, ecivm-init parses them);
 *   - the fields of an EVIDENCE_REPLY, with the member of the attestation
 *     document's "evidence" object each one becomes;
 *   - the keys of a SETTINGS push and the members of the runtime's eci.json;
 *   - the guest paths more than one program relies on.
 * A new key, field or path goes into its table; a switch over the table's
 * enum on each side (no default case: -Wswitch) then says where it is not
 * handled yet.
 */
#ifndef ECIVM_WIRE_CONTRACT_H
#define ECIVM_WIRE_CONTRACT_H

#include <stddef.h>

/* ---- kernel command line ---- */

#define WIRE_CMDLINE_PREFIX "ecivm."
/* x86 COMMAND_LINE_SIZE is 2048 with the terminating NUL: the kernel keeps
 * no more, so the host builds no more and the guest never reads more. */
#define WIRE_CMDLINE_MAX 2047
/* /proc/cmdline: the command line and a newline */
#define WIRE_CMDLINE_PROC_MAX (WIRE_CMDLINE_MAX + 1)
#define WIRE_CMDLINE_HEARTBEAT_MIN 1u
#define WIRE_CMDLINE_HEARTBEAT_MAX 3600u
/* The host's supervision counts missed heartbeats of this period (README:
 * "no heartbeat for 3 × 5 s"); the host always writes ecivm.heartbeat. */
#define WIRE_CMDLINE_HEARTBEAT_DEFAULT 5u
#define WIRE_CMDLINE_VERITY_BLOCKS_MAX (1ull << 30) /* 4 KiB blocks: 4 TiB */
/* What the images are built for: the host writes these unless told
 * otherwise; the guest assumes the fstype when the key is absent. */
#define WIRE_CMDLINE_DEFAULT_ROOT "/dev/vda"
#define WIRE_CMDLINE_DEFAULT_ROOTFSTYPE "erofs"
#define WIRE_CMDLINE_DEFAULT_DATA "/dev/vdb"
#define WIRE_CMDLINE_DEFAULT_VERITY_HASH "/dev/vdc"
/* the value of a flag that is set; an unset flag is left out */
#define WIRE_CMDLINE_FLAG_ON "1"

enum wire_cmdline_type {
        WIRE_CMDLINE_TYPE_DEVICE,  /* an absolute /dev path */
        WIRE_CMDLINE_TYPE_FSTYPE,  /* erofs, squashfs, ext4 */
        WIRE_CMDLINE_TYPE_SECONDS, /* WIRE_CMDLINE_HEARTBEAT_MIN..MAX, decimal */
        WIRE_CMDLINE_TYPE_HEX64,   /* 64 lowercase hex digits */
        WIRE_CMDLINE_TYPE_BLOCKS,  /* 1..WIRE_CMDLINE_VERITY_BLOCKS_MAX, decimal */
        WIRE_CMDLINE_TYPE_FLAG,    /* 0 or 1 */
};

/* X(ID, name after "ecivm.", type, meaning), in the order the host writes
 * them.  root, data and verity are required outside probe mode; verity
 * needs verity_salt, verity_hash and verity_blocks. */
#define WIRE_CMDLINE_KEYS(X)                                                                                     \
        X(ROOT, "root", WIRE_CMDLINE_TYPE_DEVICE, "the root image's block device")                                  \
        X(ROOTFSTYPE, "rootfstype", WIRE_CMDLINE_TYPE_FSTYPE, "the root image's filesystem")                        \
        X(DATA, "data", WIRE_CMDLINE_TYPE_DEVICE, "the data disk (/var/lib/docker, /var/lib/containerd)")          \
        X(HEARTBEAT, "heartbeat", WIRE_CMDLINE_TYPE_SECONDS, "seconds between two heartbeats on the control port") \
        X(VERITY, "verity", WIRE_CMDLINE_TYPE_HEX64, "dm-verity root hash of the root image")                      \
        X(VERITY_SALT, "verity_salt", WIRE_CMDLINE_TYPE_HEX64, "dm-verity salt")                                   \
        X(VERITY_HASH, "verity_hash", WIRE_CMDLINE_TYPE_DEVICE, "the dm-verity hash tree's block device")          \
        X(VERITY_BLOCKS, "verity_blocks", WIRE_CMDLINE_TYPE_BLOCKS, "data blocks (4 KiB) under the hash tree")    \
        X(DOCKERD_IPTABLES, "dockerd_iptables", WIRE_CMDLINE_TYPE_FLAG, "dockerd manages iptables")                \
        X(PROBE, "probe", WIRE_CMDLINE_TYPE_FLAG, "KVM probe boot: print ECIVM-PROBE-OK, power off")

enum wire_cmdline_key {
#define WIRE_X_(id, name, type, meaning) WIRE_CMDLINE_##id,
        WIRE_CMDLINE_KEYS(WIRE_X_)
#undef WIRE_X_
        WIRE_CMDLINE_N_KEYS
};

struct wire_cmdline_key_info {
        const char *name; /* without WIRE_CMDLINE_PREFIX */
        enum wire_cmdline_type type;
        const char *meaning;
};

extern const struct wire_cmdline_key_info wire_cmdline_keys[WIRE_CMDLINE_N_KEYS];

/* The key named NAME (LEN bytes, without the prefix), or -1. */
int wire_cmdline_key_lookup(const char *name, size_t len);

/* ---- EVIDENCE_REPLY ---- */

enum wire_evidence_type {
        WIRE_EVIDENCE_TYPE_LINE, /* one field, one line of text: a JSON string */
        /* a file of at most WIRE_EVIDENCE_DAEMON_JSON_MAX bytes as hex:
         * <key>_len=<bytes, -1 when absent>, then <key>.0, <key>.1, ... of
         * at most WIRE_EVIDENCE_HEX_CHUNK digits; the host decodes it into a
         * JSON string, or null when absent.  The host hashes and parses it,
         * so the static init needs neither SHA-256 nor a JSON parser. */
        WIRE_EVIDENCE_TYPE_HEX_TEXT,
        WIRE_EVIDENCE_TYPE_DERIVED, /* not sent: the host derives it */
};

/* X(ID, wire key, "evidence" member, type, meaning), in the document's
 * order.  A closed set of facts, no path comes from the host. */
#define WIRE_EVIDENCE_FIELDS(X)                                                                                 \
        X(NONCE, "nonce", "nonce", WIRE_EVIDENCE_TYPE_LINE, "the request's nonce, echoed (hex, may be empty)")      \
        X(KERNEL, "kernel", "kernel", WIRE_EVIDENCE_TYPE_LINE, "kernel release (uname -r)")                         \
        X(CMDLINE, "cmdline", "cmdline", WIRE_EVIDENCE_TYPE_LINE, "the kernel command line the guest booted with")                                  \
        X(BOOT_ID, "boot_id", "bootId", WIRE_EVIDENCE_TYPE_LINE, "the kernel's random boot id")                \
        X(LOCKDOWN, "lockdown", "lockdown", WIRE_EVIDENCE_TYPE_LINE, "the lockdown modes, the active one in brackets")               \
        X(MODULES_DISABLED, "modules_disabled", "modulesDisabled", WIRE_EVIDENCE_TYPE_LINE,                         \
          "sysctl kernel.modules_disabled")                                                                     \
        X(TAINTED, "tainted", "tainted", WIRE_EVIDENCE_TYPE_LINE, "sysctl kernel.tainted")                          \
        X(VERITY, "verity", "verity", WIRE_EVIDENCE_TYPE_LINE, "the root's dm-verity status: V, C or none")         \
        X(KPTR_RESTRICT, "kptr_restrict", "kptrRestrict", WIRE_EVIDENCE_TYPE_LINE, "sysctl kernel.kptr_restrict")  \
        X(DMESG_RESTRICT, "dmesg_restrict", "dmesgRestrict", WIRE_EVIDENCE_TYPE_LINE,                               \
          "sysctl kernel.dmesg_restrict")                                                                       \
        X(UNPRIVILEGED_BPF_DISABLED, "unprivileged_bpf_disabled", "unprivilegedBpfDisabled", WIRE_EVIDENCE_TYPE_LINE, \
          "sysctl kernel.unprivileged_bpf_disabled")                                                            \
        X(KEXEC_LOAD_DISABLED, "kexec_load_disabled", "kexecLoadDisabled", WIRE_EVIDENCE_TYPE_LINE,                 \
          "sysctl kernel.kexec_load_disabled")                                                                  \
        X(ROOT_RO, "root_ro", "rootReadOnly", WIRE_EVIDENCE_TYPE_LINE, "1 when / is mounted read-only, else 0")     \
        X(LOGIN_PATHS, "login_paths", "loginPaths", WIRE_EVIDENCE_TYPE_LINE,                                        \
          "the shells and login programs present, comma-separated, or none")                                   \
        X(SETTINGS_DIGEST, "settings_digest", "settingsDigest", WIRE_EVIDENCE_TYPE_LINE,                            \
          "the digest of the settings the guest applied, or none")                                             \
        X(DAEMON_JSON, "daemon_json", "daemonJson", WIRE_EVIDENCE_TYPE_HEX_TEXT, "WIRE_PATH_DAEMON_JSON's text")

/* X(ID, "evidence" member, meaning): what the host derives from
 * daemon_json, after the fields in the document. */
#define WIRE_EVIDENCE_DERIVED(X)                                                                   \
        X(DAEMON_JSON_SHA256, "daemonJsonSha256", "SHA-256 of daemonJson (hex), or null")        \
        X(RUNTIMES, "runtimes", "the names under daemon.json's runtimes (an array)")              \
        X(DEFAULT_RUNTIME, "defaultRuntime",                                                       \
          "daemon.json's default-runtime, runc (dockerd's default) when absent, null without daemon.json")

/* The members of the "evidence" object: the fields, then the derived ones. */
enum wire_evidence_member {
#define WIRE_X_(id, key, json, type, meaning) WIRE_EVIDENCE_##id,
        WIRE_EVIDENCE_FIELDS(WIRE_X_)
#undef WIRE_X_
        WIRE_EVIDENCE_N_FIELDS,
        WIRE_EVIDENCE_LAST_FIELD_ = WIRE_EVIDENCE_N_FIELDS - 1,
#define WIRE_X_(id, json, meaning) WIRE_EVIDENCE_##id,
        WIRE_EVIDENCE_DERIVED(WIRE_X_)
#undef WIRE_X_
        WIRE_EVIDENCE_N_MEMBERS
};

struct wire_evidence_member_info {
        const char *key;  /* in the EVIDENCE_REPLY; NULL for a derived member */
        const char *json; /* in the document's "evidence" object */
        enum wire_evidence_type type;
        const char *meaning;
};

extern const struct wire_evidence_member_info wire_evidence_members[WIRE_EVIDENCE_N_MEMBERS];

/* WIRE_EVIDENCE_KEY(NONCE) is "nonce", WIRE_EVIDENCE_JSON(BOOT_ID) "bootId",
 * WIRE_EVIDENCE_JSON(RUNTIMES) "runtimes".  The EVIDENCE request carries the
 * nonce under the key it is echoed under. */
#define WIRE_EVIDENCE_KEY(id) (wire_evidence_members[WIRE_EVIDENCE_##id].key)
#define WIRE_EVIDENCE_JSON(id) (wire_evidence_members[WIRE_EVIDENCE_##id].json)

/* The name of a HEX_TEXT field's length ("daemon_json_len"), or of its
 * INDEXth chunk ("daemon_json.0"), in OUT.  -EINVAL when it does not fit. */
int wire_evidence_hex_key(char *out, size_t cap, const char *key, unsigned index, int is_chunk);

/* ---- SETTINGS push ---- */

enum wire_settings_type {
        WIRE_SETTINGS_TYPE_FIELD, /* one field */
        WIRE_SETTINGS_TYPE_TEXT,  /* a JSON object of at most WIRE_SETTINGS_TEXT_MAX bytes (wire_control_add_text) */
};

/* X(ID, key, type, meaning) */
#define WIRE_SETTINGS_KEYS(X)                                                                                \
        X(DIGEST, "digest", WIRE_SETTINGS_TYPE_FIELD, "what the host measured: 64 lowercase hex digits")         \
        X(DAEMON_OPTIONS, "daemon_options", WIRE_SETTINGS_TYPE_TEXT,                                             \
          "the filtered JSON object the guest merges into daemon.json")                                     \
        X(ECI_JSON, "eci_json", WIRE_SETTINGS_TYPE_TEXT, "the runtime's settings file, WIRE_PATH_ECI_JSON")

enum wire_settings_key {
#define WIRE_X_(id, key, type, meaning) WIRE_SETTINGS_##id,
        WIRE_SETTINGS_KEYS(WIRE_X_)
#undef WIRE_X_
        WIRE_SETTINGS_N_KEYS
};

struct wire_settings_key_info {
        const char *key;
        enum wire_settings_type type;
        const char *meaning;
};

extern const struct wire_settings_key_info wire_settings_keys[WIRE_SETTINGS_N_KEYS];

/* eci.json, as the host writes it and the runtime reads it:
 *   {"dockerSocketMount": {"imageList": {"allowDerivedImages": <bool>,
 *                                        "images": ["<pattern>", ...]}}} */
#define WIRE_ECI_DOCKER_SOCKET_MOUNT "dockerSocketMount"
#define WIRE_ECI_IMAGE_LIST "imageList"
#define WIRE_ECI_ALLOW_DERIVED_IMAGES "allowDerivedImages"
#define WIRE_ECI_IMAGES "images"

/* ---- guest paths ---- */

#define WIRE_PATH_ECI_DIR "/run/ecivm"
#define WIRE_PATH_ECI_JSON WIRE_PATH_ECI_DIR "/eci.json"
#define WIRE_PATH_ENGINE_DIR "/run/ecivm-engine"
#define WIRE_PATH_ENGINE_SOCKET WIRE_PATH_ENGINE_DIR "/docker.sock"
#define WIRE_PATH_DOCKER_SOCKET "/run/docker.sock"
#define WIRE_PATH_DOCKER_ROOT "/var/lib/docker"
#define WIRE_PATH_DOCKER_EXEC_ROOT "/run/docker"
#define WIRE_PATH_CONTAINERD_DIR "/run/containerd"
#define WIRE_PATH_CONTAINERD_SOCKET WIRE_PATH_CONTAINERD_DIR "/containerd.sock"
#define WIRE_PATH_PROCFS_DIR "/run/ecivm-procfs"
#define WIRE_PATH_REAL_RUNC "/usr/libexec/ecivm/runc"
#define WIRE_PATH_DAEMON_JSON "/etc/docker/daemon.json"

/* X(ID, who uses it, meaning); the path is WIRE_PATH_<ID> */
#define WIRE_GUEST_PATHS(X)                                                                                     \
        X(ECI_DIR, "init", "the runtime's settings directory (0700)")                                          \
        X(ECI_JSON, "init writes, runtime reads", "eci.json from the host's SETTINGS push")                    \
        X(ENGINE_DIR, "agent", "the engine stand-in's directory")                                              \
        X(ENGINE_SOCKET, "agent listens, runtime mounts", "the engine stand-in, filtered by the host")         \
        X(DOCKER_SOCKET, "init, agent, runtime, host filter", "dockerd's socket, never mounted")                \
        X(DOCKER_ROOT, "init mounts, runtime reads", "dockerd's data root on the data disk")                   \
        X(DOCKER_EXEC_ROOT, "init, host filter", "dockerd's exec root")                                        \
        X(CONTAINERD_DIR, "host filter", "containerd's run directory")                                         \
        X(CONTAINERD_SOCKET, "init", "containerd's socket")                                                    \
        X(PROCFS_DIR, "init mounts, runtime binds", "ecivm-procfs, the containers' /proc/diskstats")           \
        X(REAL_RUNC, "init, runtime", "the real runc, reached only through the runtime's policy")             \
        X(DAEMON_JSON, "init writes and reports, verifier", "dockerd's configuration (the evidence's daemonJson)")

enum wire_guest_path {
#define WIRE_X_(id, users, meaning) WIRE_GUEST_PATH_##id,
        WIRE_GUEST_PATHS(WIRE_X_)
#undef WIRE_X_
        WIRE_GUEST_N_PATHS
};

struct wire_guest_path_info {
        const char *name; /* the ID */
        const char *path;
        const char *users;
        const char *meaning;
};

extern const struct wire_guest_path_info wire_guest_paths[WIRE_GUEST_N_PATHS];

#endif
