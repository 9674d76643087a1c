/* Settings files <-> the VM (see vm-settings.h). */
#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>

#include "error.h"
#include "vm-priv.h"
#include "settings-guest.h"
#include "vm-settings.h"

static char *admin_path; /* a parsed command-line option of ecivmd */

void ecivm_vm_settings_set_admin_path(const char *path)
{
        g_free(admin_path);
        admin_path = g_strdup(path);
}

const char *ecivm_vm_settings_get_admin_path(void)
{
        return admin_path ? admin_path : ECIVM_ADMIN_SETTINGS_DEFAULT;
}

static char *user_path(EcivmVm *vm)
{
        return g_build_filename(vm->config.state_dir, ECIVM_USER_SETTINGS_NAME, NULL);
}

/* USER_RESET: the user file is about to be reset as a whole, so one this
 * version refuses (memoryMiB 1048576 saved before the launch plan's range
 * applied) is replaced rather than blocking its own reset. */
static gboolean read_files_for(EcivmVm *vm, gboolean user_reset, EcivmSettingsFile **ret_admin,
                               EcivmSettingsFile **ret_user, GError **error)
{
        g_autofree char *upath = user_path(vm);
        g_autoptr(EcivmSettingsFile) admin = ecivm_settings_file_load(ecivm_vm_settings_get_admin_path(), TRUE, error);
        g_autoptr(EcivmSettingsFile) user = NULL;
        g_autoptr(GError) local = NULL;

        if (!admin)
                return FALSE;
        user = ecivm_settings_file_load(upath, FALSE, &local);
        if (!user && !user_reset) {
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
        }
        if (!user) {
                g_warning("settings: %s: replaced by settings reset", local->message);
                user = ecivm_settings_file_new(FALSE);
        }
        *ret_admin = g_steal_pointer(&admin);
        *ret_user = g_steal_pointer(&user);
        return TRUE;
}

static gboolean read_files(EcivmVm *vm, EcivmSettingsFile **ret_admin, EcivmSettingsFile **ret_user, GError **error)
{
        return read_files_for(vm, FALSE, ret_admin, ret_user, error);
}

static EcivmSettings *merge(EcivmVm *vm, EcivmSettingsFile *admin, EcivmSettingsFile *user)
{
        EcivmSettingsDefaults d = { vm->config.cpus, vm->config.memory_mib, vm->config.data_disk_gib * 1024 };
        return ecivm_settings_merge(admin, user, &d);
}

/* What the guest could not take is refused here, before anything boots or
 * gets saved, with the key named. */
static gboolean fits_guest(const EcivmSettings *s, GError **error)
{
        g_autofree struct wire_control *m = g_new0(struct wire_control, 1);

        return ecivm_settings_guest_message(s, m, error);
}

EcivmSettings *ecivm_vm_settings_read(EcivmVm *vm, GError **error)
{
        g_autoptr(EcivmSettingsFile) admin = NULL, user = NULL;
        EcivmSettings *s;
        g_autofree char *digest = NULL;

        if (!read_files(vm, &admin, &user, error))
                return NULL;
        s = merge(vm, admin, user);
        if (!fits_guest(s, error)) {
                ecivm_settings_free(s);
                return NULL;
        }
        for (char **w = s->warnings; *w; w++)
                g_warning("settings: %s", *w);
        digest = ecivm_settings_digest(s);
        g_message("settings: %u cpus, %u MiB, ECI %s, digest %s", s->cpus, s->memory_mib, s->eci ? "on" : "off",
                  digest);
        return s;
}

static gboolean save_user(EcivmVm *vm, const EcivmSettingsFile *user, GError **error)
{
        g_autofree char *path = user_path(vm);
        g_autofree char *text = ecivm_settings_user_to_text(user);

        if (g_mkdir_with_parents(vm->config.state_dir, 0700) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", vm->config.state_dir, g_strerror(errno));
                return FALSE;
        }
        return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static const char *param_string(JsonObject *params, const char *name)
{
        JsonNode *n = json_object_get_member(params, name);
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n)
                                                                                             : NULL;
}

JsonNode *ecivm_vm_settings_call(EcivmVm *vm, const char *method, JsonObject *params, GError **error)
{
        g_autoptr(EcivmSettingsFile) admin = NULL, user = NULL;
        g_autoptr(EcivmSettings) s = NULL;
        const char *key = param_string(params, "key"), *value = param_string(params, "value");
        JsonNode *out;
        g_autofree char *pending = NULL, *applied = NULL;

        if (!read_files_for(vm, g_str_equal(method, "settings-reset") && !key, &admin, &user, error))
                return NULL;
        if (g_str_equal(method, "settings-set")) {
                if (!key || !value) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "params: key and value (strings) needed");
                        return NULL;
                }
                if (!ecivm_settings_user_set(user, admin, key, value, error))
                        return NULL;
                s = merge(vm, admin, user);
                if (!fits_guest(s, error) || !save_user(vm, user, error))
                        return NULL;
                g_clear_pointer(&s, ecivm_settings_free);
                g_message("settings: %s set by a user", key);
        } else if (g_str_equal(method, "settings-reset")) {
                if (!ecivm_settings_user_reset(user, key, error) || !save_user(vm, user, error))
                        return NULL;
        }
        s = merge(vm, admin, user);
        out = ecivm_settings_to_json(s);
        pending = ecivm_settings_digest(s);
        applied = vm->settings ? ecivm_settings_digest(vm->settings) : NULL;
        json_object_set_string_member(json_node_get_object(out), "adminFile", ecivm_vm_settings_get_admin_path());
        if (applied)
                json_object_set_string_member(json_node_get_object(out), "appliedDigest", applied);
        json_object_set_boolean_member(json_node_get_object(out), "restartNeeded",
                                       applied && !g_str_equal(applied, pending));
        return out;
}
