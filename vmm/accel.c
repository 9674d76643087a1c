#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "accel.h"
#include "error.h"

#define CACHE_GROUP "accel"
#define CACHE_KEY_DOMAIN "ecivm-accel-cache-v1"
#define REASON_MAX 200

gboolean
ecivm_accel_mode_parse(const char *text, EcivmAccelMode *ret_mode, GError **error)
{
        static const struct {
                const char *name;
                EcivmAccelMode mode;
        } modes[] = {
                { "auto", ECIVM_ACCEL_MODE_AUTO },
                { "kvm", ECIVM_ACCEL_MODE_KVM },
                { "tcg", ECIVM_ACCEL_MODE_TCG },
        };

        g_return_val_if_fail(ret_mode != NULL, FALSE);
        for (gsize i = 0; text != NULL && i < G_N_ELEMENTS(modes); i++) {
                if (strcmp(text, modes[i].name) == 0) {
                        *ret_mode = modes[i].mode;
                        return TRUE;
                }
        }
        g_autofree char *shown = text != NULL ? g_strescape(text, NULL) : g_strdup("(null)");
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                    "accel: unknown mode \"%s\" (expected auto, kvm or tcg)", shown);
        return FALSE;
}

const char *
ecivm_accel_mode_to_string(EcivmAccelMode mode)
{
        switch (mode) {
        case ECIVM_ACCEL_MODE_AUTO:
                return "auto";
        case ECIVM_ACCEL_MODE_KVM:
                return "kvm";
        case ECIVM_ACCEL_MODE_TCG:
                return "tcg";
        default:
                return "unknown";
        }
}

const char *
ecivm_accel_verdict_to_string(EcivmAccelVerdict verdict)
{
        switch (verdict) {
        case ECIVM_ACCEL_VERDICT_KVM_WORKS:
                return "kvm-works";
        case ECIVM_ACCEL_VERDICT_KVM_BROKEN:
                return "kvm-broken";
        case ECIVM_ACCEL_VERDICT_UNKNOWN:
        default:
                return "unknown";
        }
}

static gboolean
verdict_from_string(const char *s, EcivmAccelVerdict *ret)
{
        if (g_strcmp0(s, "kvm-works") == 0)
                *ret = ECIVM_ACCEL_VERDICT_KVM_WORKS;
        else if (g_strcmp0(s, "kvm-broken") == 0)
                *ret = ECIVM_ACCEL_VERDICT_KVM_BROKEN;
        else
                return FALSE;
        return TRUE;
}

void
ecivm_accel_decision_clear(EcivmAccelDecision *d)
{
        g_clear_pointer(&d->reason, g_free);
}

static EcivmAccelDecision
decision(gboolean use_kvm, gboolean need_probe, gboolean failed, char *reason)
{
        return (EcivmAccelDecision){
                .use_kvm = use_kvm, .need_probe = need_probe, .failed = failed, .reason = reason
        };
}

EcivmAccelDecision
ecivm_accel_decide(EcivmAccelMode mode, const EcivmAccelFacts *f)
{
        switch (mode) {
        case ECIVM_ACCEL_MODE_TCG:
                return decision(FALSE, FALSE, FALSE, g_strdup("accel=tcg requested"));
        case ECIVM_ACCEL_MODE_KVM:
                if (!f->kvm_device_usable)
                        return decision(FALSE, FALSE, TRUE,
                                        g_strdup("accel=kvm requested but /dev/kvm cannot be opened read-write"));
                return decision(TRUE, FALSE, FALSE, g_strdup("accel=kvm requested"));
        case ECIVM_ACCEL_MODE_AUTO:
        default:
                break;
        }
        if (!f->kvm_device_usable)
                return decision(FALSE, FALSE, FALSE, g_strdup("/dev/kvm cannot be opened read-write: using TCG"));
        switch (f->cached_verdict) {
        case ECIVM_ACCEL_VERDICT_KVM_BROKEN:
                return decision(FALSE, FALSE, FALSE,
                                g_strdup_printf("KVM probe failed earlier: %s",
                                                f->cached_reason != NULL && f->cached_reason[0] != '\0'
                                                        ? f->cached_reason
                                                        : "no reason recorded"));
        case ECIVM_ACCEL_VERDICT_KVM_WORKS:
                return decision(TRUE, FALSE, FALSE, g_strdup("KVM probe succeeded earlier"));
        case ECIVM_ACCEL_VERDICT_UNKNOWN:
        default:
                return decision(FALSE, TRUE, FALSE, g_strdup("no KVM probe verdict for this host, QEMU and kernel"));
        }
}

char *
ecivm_accel_cache_key(const char *host_kernel_release, const char *qemu_version, const char *kernel_sha256)
{
        const char *parts[] = { CACHE_KEY_DOMAIN, host_kernel_release, qemu_version, kernel_sha256 };
        g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);

        for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
                const char *p = parts[i] != NULL ? parts[i] : "";
                /* The NUL terminator is the separator: strings cannot contain one. */
                g_checksum_update(sum, (const guchar *)p, (gssize)strlen(p) + 1);
        }
        return g_strdup(g_checksum_get_string(sum));
}

/* One printable line of at most REASON_MAX bytes, for logs and the cache. */
static char *
sanitize_line(const char *line, gsize len)
{
        GString *s = g_string_sized_new(MIN(len, REASON_MAX) + 4);

        for (gsize i = 0; i < len && s->len < REASON_MAX; i++)
                g_string_append_c(s, g_ascii_isprint(line[i]) ? line[i] : '?');
        if (len > REASON_MAX)
                g_string_append(s, "...");
        return g_strstrip(g_string_free(s, FALSE));
}

/* The line of TEXT containing NEEDLE, or the last non-empty line if NEEDLE is NULL. */
static char *
find_line(const char *text, const char *needle)
{
        char *found = NULL;

        if (text == NULL)
                return NULL;
        for (const char *line = text; *line != '\0';) {
                const char *end = strchr(line, '\n');
                gsize len = end != NULL ? (gsize)(end - line) : strlen(line);
                g_autofree char *l = sanitize_line(line, len);

                if (needle != NULL ? g_strstr_len(line, (gssize)len, needle) != NULL : l[0] != '\0') {
                        g_free(found);
                        found = g_steal_pointer(&l);
                        if (needle != NULL)
                                break;
                }
                if (end == NULL)
                        break;
                line = end + 1;
        }
        return found;
}

static char *
exit_description(int status)
{
        if (WIFEXITED(status))
                return g_strdup_printf("QEMU exited with status %d", WEXITSTATUS(status));
        if (WIFSIGNALED(status))
                return g_strdup_printf("QEMU was killed by signal %d", WTERMSIG(status));
        return g_strdup_printf("QEMU ended with wait status 0x%x", (unsigned)status);
}

EcivmAccelVerdict
ecivm_accel_probe_verdict(const char *console_output, const char *qemu_stderr, gboolean qemu_exited,
                          int exit_status, gboolean timed_out, guint timeout_seconds, char **ret_reason)
{
        g_autofree char *reason = NULL;

        if (console_output != NULL && strstr(console_output, ECIVM_PROBE_MARKER) != NULL) {
                if (ret_reason != NULL)
                        *ret_reason = NULL;
                return ECIVM_ACCEL_VERDICT_KVM_WORKS;
        }

        g_autofree char *internal = find_line(qemu_stderr, "KVM internal error");
        if (internal != NULL) {
                g_autofree char *emu = find_line(qemu_stderr, "emulation failure");
                reason = emu != NULL ? g_strdup_printf("%s (%s)", internal, emu) : g_steal_pointer(&internal);
        } else if (timed_out) {
                reason = g_strdup_printf("guest made no progress in %u s under KVM", timeout_seconds);
        } else if (qemu_exited && WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) {
                /* -no-reboot: a guest panic or power-off ends QEMU with 0 */
                reason = g_strdup("guest stopped without reporting " ECIVM_PROBE_MARKER " (QEMU exited with status 0)");
        } else if (qemu_exited) {
                g_autofree char *what = exit_description(exit_status);
                g_autofree char *last = find_line(qemu_stderr, NULL);
                reason = last != NULL ? g_strdup_printf("%s before the guest ran: %s", what, last)
                                      : g_strdup_printf("%s before the guest ran", what);
        } else {
                reason = g_strdup("probe ended without the guest reporting " ECIVM_PROBE_MARKER);
        }
        if (ret_reason != NULL)
                *ret_reason = g_steal_pointer(&reason);
        return ECIVM_ACCEL_VERDICT_KVM_BROKEN;
}

void
ecivm_accel_cache_entry_clear(EcivmAccelCacheEntry *e)
{
        g_clear_pointer(&e->key, g_free);
        g_clear_pointer(&e->reason, g_free);
        e->verdict = ECIVM_ACCEL_VERDICT_UNKNOWN;
}

static gboolean
is_sha256_hex(const char *s)
{
        if (s == NULL || strlen(s) != 64)
                return FALSE;
        for (; *s != '\0'; s++)
                if (!g_ascii_isdigit(*s) && !(*s >= 'a' && *s <= 'f'))
                        return FALSE;
        return TRUE;
}

static gboolean
check_entry(const EcivmAccelCacheEntry *e, GError **error)
{
        if (!is_sha256_hex(e->key)) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "accel cache: key: expected 64 lowercase hex digits");
                return FALSE;
        }
        if (e->verdict != ECIVM_ACCEL_VERDICT_KVM_WORKS && e->verdict != ECIVM_ACCEL_VERDICT_KVM_BROKEN) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "accel cache: verdict: expected kvm-works or kvm-broken");
                return FALSE;
        }
        if (e->verdict == ECIVM_ACCEL_VERDICT_KVM_BROKEN && (e->reason == NULL || e->reason[0] == '\0')) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "accel cache: reason: required for kvm-broken");
                return FALSE;
        }
        if (e->verdict == ECIVM_ACCEL_VERDICT_KVM_WORKS && e->reason != NULL) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "accel cache: reason: only allowed for kvm-broken");
                return FALSE;
        }
        return TRUE;
}

char *
ecivm_accel_cache_format(const EcivmAccelCacheEntry *e, GError **error)
{
        g_return_val_if_fail(e != NULL, NULL);
        if (!check_entry(e, error))
                return NULL;

        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_key_file_set_string(kf, CACHE_GROUP, "key", e->key);
        g_key_file_set_string(kf, CACHE_GROUP, "verdict", ecivm_accel_verdict_to_string(e->verdict));
        if (e->reason != NULL)
                g_key_file_set_string(kf, CACHE_GROUP, "reason", e->reason);
        return g_key_file_to_data(kf, NULL, NULL);
}

gboolean
ecivm_accel_cache_parse(const char *text, gsize len, EcivmAccelCacheEntry *ret, GError **error)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) local = NULL;
        g_auto(EcivmAccelCacheEntry) e = { 0 };
        g_auto(GStrv) groups = NULL;
        g_auto(GStrv) keys = NULL;
        g_autofree char *verdict = NULL;

        g_return_val_if_fail(text != NULL && ret != NULL, FALSE);
        if (memchr(text, '\0', len) != NULL) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "accel cache: contains a NUL byte");
                return FALSE;
        }
        if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "accel cache: %s", local->message);
                return FALSE;
        }
        groups = g_key_file_get_groups(kf, NULL);
        if (g_strv_length(groups) != 1 || strcmp(groups[0], CACHE_GROUP) != 0) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "accel cache: expected exactly one group [" CACHE_GROUP "]");
                return FALSE;
        }
        keys = g_key_file_get_keys(kf, CACHE_GROUP, NULL, NULL);
        for (char **k = keys; *k != NULL; k++) {
                if (strcmp(*k, "key") != 0 && strcmp(*k, "verdict") != 0 && strcmp(*k, "reason") != 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "accel cache: %s: unknown key", *k);
                        return FALSE;
                }
        }
        e.key = g_key_file_get_string(kf, CACHE_GROUP, "key", NULL);
        verdict = g_key_file_get_string(kf, CACHE_GROUP, "verdict", NULL);
        e.reason = g_key_file_get_string(kf, CACHE_GROUP, "reason", NULL);
        if (!verdict_from_string(verdict, &e.verdict)) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "accel cache: verdict: expected kvm-works or kvm-broken");
                return FALSE;
        }
        if (!check_entry(&e, error))
                return FALSE;
        ecivm_accel_cache_entry_clear(ret);
        *ret = e;
        e = (EcivmAccelCacheEntry){ 0 };
        return TRUE;
}

EcivmAccelVerdict
ecivm_accel_cache_lookup(const char *text, gsize len, const char *key, char **ret_reason, GError **warning)
{
        g_auto(EcivmAccelCacheEntry) e = { 0 };

        if (ret_reason != NULL)
                *ret_reason = NULL;
        if (text == NULL || !ecivm_accel_cache_parse(text, len, &e, warning))
                return ECIVM_ACCEL_VERDICT_UNKNOWN;
        if (g_strcmp0(e.key, key) != 0)
                return ECIVM_ACCEL_VERDICT_UNKNOWN;
        if (ret_reason != NULL)
                *ret_reason = g_steal_pointer(&e.reason);
        return e.verdict;
}

EcivmAccelVerdict
ecivm_accel_cache_load(const char *path, const char *key, char **ret_reason, GError **warning)
{
        g_autofree char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) local = NULL;

        if (ret_reason != NULL)
                *ret_reason = NULL;
        if (!g_file_get_contents(path, &text, &len, &local)) {
                if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        g_set_error(warning, ECIVM_ERROR, ECIVM_ERROR_IO, "accel cache: %s", local->message);
                return ECIVM_ACCEL_VERDICT_UNKNOWN;
        }
        EcivmAccelVerdict v = ecivm_accel_cache_lookup(text, len, key, ret_reason, warning);
        if (warning != NULL && *warning != NULL)
                g_prefix_error(warning, "%s: ", path);
        return v;
}

gboolean
ecivm_accel_cache_save(const char *path, const EcivmAccelCacheEntry *e, GError **error)
{
        g_autofree char *text = ecivm_accel_cache_format(e, error);
        g_autoptr(GError) local = NULL;

        if (text == NULL)
                return FALSE;
        if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "accel cache: %s", local->message);
                return FALSE;
        }
        return TRUE;
}
