/* Accelerator selection.
 *
 * /dev/kvm opening is not proof that KVM works: on some hosts a guest hangs
 * silently or QEMU reports "KVM internal error … emulation failure".  So in
 * auto mode the first boot for a given (host kernel, QEMU, guest kernel)
 * triple is a probe: the real kernel+initrd with ecivm.probe=1, whose init
 * prints ECIVM_PROBE_MARKER and powers off.  The verdict is cached in a small
 * keyfile under that triple's key.
 *
 * Everything here is pure except ecivm_accel_cache_load()/_save(). */
#ifndef ECIVM_VMM_ACCEL_H
#define ECIVM_VMM_ACCEL_H

#include <glib.h>

#define ECIVM_PROBE_MARKER "ECIVM-PROBE-OK"

typedef enum {
        ECIVM_ACCEL_MODE_AUTO,
        ECIVM_ACCEL_MODE_KVM,
        ECIVM_ACCEL_MODE_TCG,
} EcivmAccelMode;

/* "auto" | "kvm" | "tcg" (exact, lowercase). */
gboolean ecivm_accel_mode_parse(const char *text, EcivmAccelMode *ret_mode, GError **error);
const char *ecivm_accel_mode_to_string(EcivmAccelMode mode);

typedef enum {
        ECIVM_ACCEL_VERDICT_UNKNOWN,
        ECIVM_ACCEL_VERDICT_KVM_WORKS,
        ECIVM_ACCEL_VERDICT_KVM_BROKEN,
} EcivmAccelVerdict;

/* "unknown" | "kvm-works" | "kvm-broken" */
const char *ecivm_accel_verdict_to_string(EcivmAccelVerdict verdict);

typedef struct {
        gboolean kvm_device_usable;       /* open("/dev/kvm", O_RDWR) worked */
        EcivmAccelVerdict cached_verdict; /* for the current cache key */
        const char *cached_reason;        /* reason stored with a kvm-broken verdict */
} EcivmAccelFacts;

typedef struct {
        gboolean use_kvm;    /* meaningful when !need_probe && !failed */
        gboolean need_probe; /* run the probe boot, then decide from its verdict */
        gboolean failed;     /* mode kvm but no usable /dev/kvm: caller reports reason */
        char *reason;        /* always set; one line for logs and status */
} EcivmAccelDecision;

void ecivm_accel_decision_clear(EcivmAccelDecision *d);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EcivmAccelDecision, ecivm_accel_decision_clear)

/* tcg -> TCG; kvm -> KVM (failed if the device is unusable); auto -> TCG
 * without a device, TCG if cached kvm-broken, KVM if cached kvm-works,
 * otherwise need_probe. */
EcivmAccelDecision ecivm_accel_decide(EcivmAccelMode mode, const EcivmAccelFacts *facts);

/* Lowercase sha256 hex over a versioned, NUL-separated join of the three
 * inputs (so ("a","bc",…) and ("ab","c",…) differ). */
char *ecivm_accel_cache_key(const char *host_kernel_release, const char *qemu_version,
                            const char *kernel_sha256);

/* Interpret a probe boot under KVM.  EXIT_STATUS is a waitpid() status and
 * only read when QEMU_EXITED.  Returns KVM_WORKS iff CONSOLE_OUTPUT contains
 * ECIVM_PROBE_MARKER, else KVM_BROKEN with *ret_reason set (g_free):
 * the "KVM internal error" line from stderr if there is one, else
 * "guest made no progress in N s under KVM" when TIMED_OUT, else
 * "guest stopped without reporting ECIVM-PROBE-OK (QEMU exited with status 0)"
 * (with -no-reboot a guest panic or power-off exits 0), else
 * "QEMU exited with status X before the guest ran[: last stderr line]". */
EcivmAccelVerdict ecivm_accel_probe_verdict(const char *console_output, const char *qemu_stderr,
                                            gboolean qemu_exited, int exit_status, gboolean timed_out,
                                            guint timeout_seconds, char **ret_reason);

/* ---- verdict cache: one keyfile, one entry ----
 *   [accel]
 *   key=<64 hex>
 *   verdict=kvm-works|kvm-broken
 *   reason=<text, kvm-broken only>
 */
typedef struct {
        char *key;
        EcivmAccelVerdict verdict; /* never UNKNOWN in a valid entry */
        char *reason;              /* NULL for kvm-works */
} EcivmAccelCacheEntry;

void ecivm_accel_cache_entry_clear(EcivmAccelCacheEntry *e);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EcivmAccelCacheEntry, ecivm_accel_cache_entry_clear)

/* Serialise a valid entry (error on bad key or UNKNOWN verdict). */
char *ecivm_accel_cache_format(const EcivmAccelCacheEntry *e, GError **error);
/* Strict parse; fills RET (cleared first) or fails with ECIVM_ERROR_INVALID. */
gboolean ecivm_accel_cache_parse(const char *text, gsize len, EcivmAccelCacheEntry *ret,
                                 GError **error);
/* Lenient lookup for boot: the verdict stored under KEY, or UNKNOWN when
 * TEXT is NULL, malformed or for another key.  Never fails; when something
 * was ignored it says why in *warning (may be NULL).  *ret_reason (may be
 * NULL) gets the stored reason. */
EcivmAccelVerdict ecivm_accel_cache_lookup(const char *text, gsize len, const char *key,
                                           char **ret_reason, GError **warning);

/* File I/O wrappers.  _load: a missing file is UNKNOWN without a warning. */
EcivmAccelVerdict ecivm_accel_cache_load(const char *path, const char *key, char **ret_reason,
                                         GError **warning);
/* Atomic replace (g_file_set_contents_full), mode 0644. */
gboolean ecivm_accel_cache_save(const char *path, const EcivmAccelCacheEntry *e, GError **error);

#endif
