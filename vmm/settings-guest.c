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
        json_builder_set_member_name(b, "dockerSocketMount");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "imageList");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "allowDerivedImages");
        json_builder_add_boolean_value(b, s->allow_derived_images);
        json_builder_set_member_name(b, "images");
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

gboolean ecivm_settings_guest_message(const EcivmSettings *s, struct wire_control *out, GError **error)
{
        g_autofree char *digest = ecivm_settings_digest(s);
        g_autofree char *eci = ecivm_settings_eci_json(s);

        memset(out, 0, sizeof(*out));
        out->verb = WIRE_V_SETTINGS;
        if (wire_control_add(out, "digest", digest) < 0)
                return ecivm_error_field(error, "digest", "cannot be sent to the guest");
        return add_text(out, "daemon_options", "linuxVM.dockerDaemonOptions", s->daemon_options, error) &&
               add_text(out, "eci_json", "enhancedContainerIsolation.dockerSocketMount", eci, error);
}
