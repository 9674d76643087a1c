#include <string.h>

#include <json-glib/json-glib.h>

#include "daemon-options.h"
#include "error.h"
#include "settings.h"
#include "user-input.h"

typedef struct {
        const char *key;
        const char *reason;
} Rule;

/* Named refusals: the rule a user sees. */
static const Rule refused_keys[] = {
        { "runtimes", "it would let containers bypass the ECI runtime" },
        { "default-runtime", "it would let containers bypass the ECI runtime" },
        { "hosts", "the Engine API is served only through ecivm's filtered socket" },
        { "tls", "the Engine API is served only through ecivm's filtered socket" },
        { "tlsverify", "the Engine API is served only through ecivm's filtered socket" },
        { "tlscacert", "the Engine API is served only through ecivm's filtered socket" },
        { "tlscert", "the Engine API is served only through ecivm's filtered socket" },
        { "tlskey", "the Engine API is served only through ecivm's filtered socket" },
        { "group", "the Engine API is served only through ecivm's filtered socket" },
        { "userns-remap", "user namespaces are assigned by the ECI runtime" },
        { "authorization-plugins", "plugins would run with the engine's privileges" },
        { "seccomp-profile", "it would weaken container isolation" },
        { "selinux-enabled", "it would weaken container isolation" },
        { "no-new-privileges", "it would weaken container isolation" },
        { "default-cgroupns-mode", "containers cannot share namespaces with the VM" },
        { "default-ipc-mode", "containers cannot share namespaces with the VM" },
        { "cgroup-parent", "it would weaken container isolation" },
        { "exec-opts", "it would weaken container isolation" },
        { "cdi-spec-dirs", "it would give containers VM devices" },
        { "init-path", "it names a binary the engine runs as root" },
        { "userland-proxy-path", "it names a binary the engine runs as root" },
        { "data-root", "it is set by ecivm-init" },
        { "exec-root", "it is set by ecivm-init" },
        { "containerd", "it is set by ecivm-init" },
        { "containerd-namespace", "it is set by ecivm-init" },
        { "containerd-plugin-namespace", "it is set by ecivm-init" },
        { "pidfile", "it is set by ecivm-init" },
        { "storage-driver", "it is set by ecivm-init" },
        { "storage-opts", "it is set by ecivm-init" },
        { "iptables", "it is set by ecivm-init" },
        { "ip6tables", "it is set by ecivm-init" },
        { "ip-masq", "it is set by ecivm-init" },
        { "log-driver", "it is set by ecivm-init" },
        { "metrics-addr", "it would open an engine endpoint inside the VM" },
};

/* Options that pass (nothing here can reach past a container's boundary). */
static const char *const allowed_keys[] = {
        "debug", "log-level", "log-opts", "log-format", "registry-mirrors", "insecure-registries",
        "default-address-pools", "features", "experimental", "max-concurrent-downloads",
        "max-concurrent-uploads", "max-download-attempts", "shutdown-timeout", "dns", "dns-opts", "dns-search",
        "mtu", "default-shm-size", "default-ulimits", "live-restore", "proxies", "builder", "labels", "icc",
        "bip", "fixed-cidr", "default-gateway", "ipv6", "fixed-cidr-v6", "allow-nondistributable-artifacts",
        NULL,
};

#define ENTITLEMENTS_RULE "builder entitlements (network.host, security.insecure) would weaken isolation"

/* builder.entitlements.{network-host,security-insecure} turn on `RUN
 * --network=host` and `RUN --security=insecure` for BuildKit.  dockerd reads
 * daemon.json with Go's encoding/json, which matches member names case-
 * insensitively (and folds "ſ" to "s"), so a name check would miss
 * "Entitlements": only builder.gc passes, spelt in ASCII. */
static const char *builder_refusal(const char *value_json)
{
        g_autoptr(JsonNode) v = value_json ? json_from_string(value_json, NULL) : NULL;
        g_autoptr(GList) names = NULL;

        if (v == NULL || !JSON_NODE_HOLDS_OBJECT(v))
                return "builder must be an object";
        names = json_object_get_members(json_node_get_object(v));
        for (GList *l = names; l; l = l->next) {
                g_autofree char *lower = g_ascii_strdown(l->data, -1);

                if (g_str_has_prefix(lower, "entitle"))
                        return ENTITLEMENTS_RULE;
                if (!g_str_equal(lower, "gc"))
                        return "only builder.gc is allowed; " ENTITLEMENTS_RULE;
        }
        return NULL;
}

const char *ecivm_daemon_option_refusal(const char *key, const char *value_json,
                                        const EcivmDaemonOptionsPolicy *policy)
{
        for (gsize i = 0; i < G_N_ELEMENTS(refused_keys); i++)
                if (g_str_equal(key, refused_keys[i].key))
                        return refused_keys[i].reason;
        if (g_str_equal(key, "insecure-registries") && policy->eci_locked)
                return "enhanced container isolation is locked on by the administrator";
        if (g_str_equal(key, "builder"))
                return builder_refusal(value_json);
        if (!g_strv_contains(allowed_keys, key))
                return "it is not on ecivm's list of allowed dockerd options";
        return NULL;
}

char *ecivm_daemon_options_filter(const char *text, const EcivmDaemonOptionsPolicy *policy, GPtrArray *refused,
                                  GError **error)
{
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(GError) local = NULL;
        g_autoptr(JsonNode) out = json_node_new(JSON_NODE_OBJECT);
        g_autoptr(JsonObject) kept = json_object_new();
        g_autoptr(GList) names = NULL;
        JsonNode *root;

        if (!text || !*text)
                text = "{}";
        if (!json_parser_load_from_data(p, text, -1, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "not JSON: %s", local->message);
                return NULL;
        }
        if (!ecivm_json_strict_check(text, strlen(text), &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s", local->message);
                return NULL;
        }
        root = json_parser_get_root(p);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "expected a JSON object");
                return NULL;
        }
        names = json_object_get_members(json_node_get_object(root));
        for (GList *l = names; l; l = l->next) {
                const char *key = l->data;
                JsonNode *v = json_object_get_member(json_node_get_object(root), key);
                g_autofree char *vtext = ecivm_json_canonical(v);
                const char *why = ecivm_daemon_option_refusal(key, vtext, policy);

                if (why) {
                        if (refused)
                                g_ptr_array_add(refused, g_strdup_printf("%s: %s", key, why));
                        continue;
                }
                json_object_set_member(kept, key, json_node_copy(v));
        }
        json_node_set_object(out, kept);
        return ecivm_json_canonical(out);
}
