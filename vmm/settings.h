/* ecivm settings: the admin file, the user file, and the effective settings
 * (pure: text in, structs and text out; ecivm_settings_file_load() is the
 * only function that reads a file).
 *
 * Admin file (default ECIVM_SYSCONFDIR/ecivm/admin-settings.json), Docker
 * Desktop's admin-settings.json shape:
 *   {"configurationFileVersion": 2,
 *    "enhancedContainerIsolation": {"locked": true, "value": true,
 *       "dockerSocketMount": {"imageList": {"images": ["docker.io/x/y:*"], "allowDerivedImages": false},
 *                             "commandList": {"type": "deny", "commands": ["push"]}}},
 *    "linuxVM": {"dockerDaemonOptions": {"locked": false, "value": "{\"debug\":true}"}},
 *    "exposeDockerAPIOnTCP2375": {"locked": true, "value": false},
 *    "blockDockerLoad": {"locked": true, "value": true},
 *    "cpus": {"locked": false, "value": 2},
 *    "memoryMiB": {"locked": true, "value": 2048},
 *    "diskSizeMiB": {"locked": false, "value": 16384}}
 * Unknown keys are errors (a typo must not silently unlock anything).
 *
 * User file (default <state dir>/user-settings.json): {"cpus": 4, ...} with
 * the key names of ecivm_settings_keys (dockerDaemonOptions is spelled
 * "linuxVM.dockerDaemonOptions"); dockerSocketMount is admin-only.
 *
 * Effective value of a key: locked admin value > user value > unlocked admin
 * value > the daemon's default.  dockerDaemonOptions from a file pass
 * ecivm_daemon_options_filter(): refused keys are dropped with a warning;
 * `settings set` refuses them instead.
 */
#ifndef ECIVM_VMM_SETTINGS_H
#define ECIVM_VMM_SETTINGS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#define ECIVM_SETTINGS_VERSION 2
#define ECIVM_SETTINGS_MAX_FILE (256 * 1024)

typedef enum {
        ECIVM_SETTING_ECI,
        ECIVM_SETTING_DAEMON_OPTIONS,
        ECIVM_SETTING_EXPOSE_TCP2375,
        ECIVM_SETTING_BLOCK_LOAD,
        ECIVM_SETTING_CPUS,
        ECIVM_SETTING_MEMORY_MIB,
        ECIVM_SETTING_DISK_SIZE_MIB,
        ECIVM_SETTING_COUNT,
} EcivmSettingKey;

/* "enhancedContainerIsolation", "linuxVM.dockerDaemonOptions", ... */
const char *ecivm_setting_name(EcivmSettingKey key);
gboolean ecivm_setting_from_name(const char *name, EcivmSettingKey *ret);
/* An integer key's range (the launch plan's, launch-plan.h); FALSE for the others. */
gboolean ecivm_setting_range(EcivmSettingKey key, gint64 *ret_min, gint64 *ret_max);

typedef enum {
        ECIVM_COMMAND_LIST_NONE,
        ECIVM_COMMAND_LIST_ALLOW,
        ECIVM_COMMAND_LIST_DENY,
} EcivmCommandListType;

/* One parsed file (admin or user). */
typedef struct {
        gboolean admin;
        JsonNode *value[ECIVM_SETTING_COUNT]; /* NULL: not set */
        gboolean locked[ECIVM_SETTING_COUNT];
        /* admin only: enhancedContainerIsolation.dockerSocketMount */
        char **images;                         /* NULL-terminated, never NULL */
        gboolean allow_derived_images;
        EcivmCommandListType command_list_type;
        char **commands;                       /* NULL-terminated, never NULL */
} EcivmSettingsFile;

EcivmSettingsFile *ecivm_settings_file_new(gboolean admin);
void ecivm_settings_file_free(EcivmSettingsFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmSettingsFile, ecivm_settings_file_free)

/* Strict parse; ORIGIN (the path) starts every error message:
 * "/etc/ecivm/admin-settings.json: cpus.value: expected an integer". */
EcivmSettingsFile *ecivm_settings_file_parse(const char *text, gsize len, gboolean admin, const char *origin,
                                             GError **error);
/* A missing file is an empty one. */
EcivmSettingsFile *ecivm_settings_file_load(const char *path, gboolean admin, GError **error);
/* The user file's text ({"key":value,...}, sorted, newline-terminated). */
char *ecivm_settings_user_to_text(const EcivmSettingsFile *user);

/* `settings set KEY VALUE` on USER: VALUE is JSON text for the key's type
 * (a bare word is taken as a string for dockerDaemonOptions).  Refused when
 * the key is locked in ADMIN ("cpus is locked by the administrator"), for a
 * bad value, or for daemon options that would weaken isolation. */
gboolean ecivm_settings_user_set(EcivmSettingsFile *user, const EcivmSettingsFile *admin, const char *key,
                                 const char *value, GError **error);
/* KEY NULL: every key. */
gboolean ecivm_settings_user_reset(EcivmSettingsFile *user, const char *key, GError **error);

typedef struct {
        guint cpus, memory_mib, disk_size_mib;
} EcivmSettingsDefaults;

typedef struct {
        gboolean eci;
        char *daemon_options;          /* canonical JSON object text, filtered ("{}" when none) */
        gboolean expose_tcp2375;       /* always FALSE: refused when TRUE */
        gboolean block_docker_load;
        guint cpus, memory_mib, disk_size_mib;
        char **images;                 /* ECI socket-mount allow-list (never NULL) */
        gboolean allow_derived_images;
        EcivmCommandListType command_list_type;
        char **commands;               /* never NULL */
        gboolean locked[ECIVM_SETTING_COUNT];
        const char *source[ECIVM_SETTING_COUNT]; /* "admin", "user", "default" */
        char **warnings;               /* never NULL: dropped options, overridden user values */
} EcivmSettings;

EcivmSettings *ecivm_settings_merge(const EcivmSettingsFile *admin, const EcivmSettingsFile *user,
                                    const EcivmSettingsDefaults *defaults);
void ecivm_settings_free(EcivmSettings *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmSettings, ecivm_settings_free)

/* Canonical JSON of the effective values (sorted keys, no whitespace, no
 * lock/source metadata, no warnings) and its SHA-256 (64 hex digits).  This
 * digest is what gets measured: the same effective settings, the same digest. */
char *ecivm_settings_canonical(const EcivmSettings *s);
char *ecivm_settings_digest(const EcivmSettings *s);
/* For `settings show --json`: {"settings":{key:{"value","locked","source"}},
 * "dockerSocketMount":{...},"digest":"…","warnings":[…]} */
JsonNode *ecivm_settings_to_json(const EcivmSettings *s);

/* Canonical JSON text of any node (sorted object keys, no whitespace). */
char *ecivm_json_canonical(JsonNode *node);

#endif
