#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "error.h"
#include "settings-guest.h"

char *ecivm_settings_eci_json(const EcivmSettings *s)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = NULL;

        json_builder_begin_object(b);
        json_builder_set_member_name(b, WIRE_ECI_DOCKER_SOCKET_MOUNT);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, WIRE_ECI_IMAGE_LIST);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, WIRE_ECI_ALLOW_DERIVED_IMAGES);
        json_builder_add_boolean_value(b, s->allow_derived_images);
        json_builder_set_member_name(b, WIRE_ECI_IMAGES);
        json_builder_begin_array(b);
        for (char **i = s->images; *i; i++)
                json_builder_add_string_value(b, *i);
        json_builder_end_array(b);
        json_builder_end_object(b);
        json_builder_end_object(b);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        return json_generator_to_data(gen, NULL);
}

static gboolean add_text(struct wire_control *out, const char *name, const char *key, const char *text,
                         GError **error)
{
        if (strlen(text) > WIRE_SETTINGS_TEXT_MAX)
                return ecivm_error_field(error, key, "%zu bytes, more than the guest takes (%u)", strlen(text),
                                         (unsigned) WIRE_SETTINGS_TEXT_MAX);
        if (wire_control_add_text(out, name, text) < 0)
                return ecivm_error_field(error, key, "cannot be sent to the guest");
        return TRUE;
}

/* KEY's value for S, and the setting an error names. */
static const char *key_value(enum wire_settings_key key, const char *digest, const char *eci, const EcivmSettings *s,
                             const char **ret_setting)
{
        switch (key) {
        case WIRE_SETTINGS_DIGEST:
                *ret_setting = wire_settings_keys[key].key;
                return digest;
        case WIRE_SETTINGS_DAEMON_OPTIONS:
                *ret_setting = "linuxVM.dockerDaemonOptions";
                return s->daemon_options;
        case WIRE_SETTINGS_ECI_JSON:
                *ret_setting = "enhancedContainerIsolation.dockerSocketMount";
                return eci;
        case WIRE_SETTINGS_N_KEYS:
                break;
        }
        *ret_setting = "settings";
        return NULL;
}

/* Every key of WIRE_SETTINGS_KEYS, in the table's order. */
gboolean ecivm_settings_guest_message(const EcivmSettings *s, struct wire_control *out, GError **error)
{
        g_autofree char *digest = ecivm_settings_digest(s);
        g_autofree char *eci = ecivm_settings_eci_json(s);

        memset(out, 0, sizeof(*out));
        out->verb = WIRE_V_SETTINGS;
        for (int k = 0; k < WIRE_SETTINGS_N_KEYS; k++) {
                const char *name = wire_settings_keys[k].key, *setting;
                const char *value = key_value(k, digest, eci, s, &setting);

                if (wire_settings_keys[k].type == WIRE_SETTINGS_TYPE_TEXT) {
                        if (!add_text(out, name, setting, value, error))
                                return FALSE;
                } else if (wire_control_add(out, name, value) < 0) {
                        return ecivm_error_field(error, setting, "cannot be sent to the guest");
                }
        }
        return TRUE;
}
