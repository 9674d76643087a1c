/* The VM's settings: read at each boot (admin file + user file), applied to
 * the launch plan and the Engine API filter; the service methods
 * settings-show / settings-set / settings-reset edit the user file (changes
 * apply at the next boot, like Docker Desktop's "quit and relaunch"). */
#ifndef ECIVM_VMM_VM_SETTINGS_H
#define ECIVM_VMM_VM_SETTINGS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "settings.h"
#include "vm.h"

#define ECIVM_ADMIN_SETTINGS_DEFAULT ECIVM_SYSCONFDIR "/ecivm/admin-settings.json"
#define ECIVM_USER_SETTINGS_NAME "user-settings.json"

/* ecivmd's --admin-settings= (NULL: the default path). */
void ecivm_vm_settings_set_admin_path(const char *path);
const char *ecivm_vm_settings_get_admin_path(void);

/* Read both files and merge (errors name the file and the field). */
EcivmSettings *ecivm_vm_settings_read(EcivmVm *vm, GError **error);
/* settings-show {}, settings-set {key, value}, settings-reset {key?}. */
JsonNode *ecivm_vm_settings_call(EcivmVm *vm, const char *method, JsonObject *params, GError **error);

#endif
