/* The settings the host pushes (WIRE_V_SETTINGS): what ecivm-init does with
 * them is fixed here, the host only supplies the two texts it filtered. */
#ifndef ECIVM_INIT_SETTINGS_H
#define ECIVM_INIT_SETTINGS_H

#include <stdbool.h>

#include "wire.h"

struct guest_settings {
        bool received;
        bool applied;   /* daemon.json and WIRE_PATH_ECI_JSON written: later pushes must match */
        char digest[65];
        char daemon_options[WIRE_SETTINGS_TEXT_MAX + 1]; /* a JSON object */
        char eci_json[WIRE_SETTINGS_TEXT_MAX + 1];       /* a JSON object */
};

/* Pure: checks a SETTINGS message's shape into OUT.  NULL, or why not. */
const char *settings_parse(const struct wire_control *m, struct guest_settings *out);

/* The members of the JSON object OBJECT without its braces ("" for {}), in
 * BUF; NULL if OBJECT is not "{...}" or does not fit. */
const char *settings_object_members(const char *object, char *buf, size_t cap);

#endif
