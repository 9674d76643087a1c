/* The SETTINGS message ecivmd pushes to the guest (pure): the effective
 * settings' digest, dockerd's options and the ECI runtime's settings file. */
#ifndef ECIVM_VMM_SETTINGS_GUEST_H
#define ECIVM_VMM_SETTINGS_GUEST_H

#include <glib.h>

#include "settings.h"
#include "wire.h"

/* The runtime's eci.json (WIRE_PATH_ECI_JSON, members WIRE_ECI_*, compact,
 * sorted keys). */
char *ecivm_settings_eci_json(const EcivmSettings *s);

/* Fills OUT (verb SETTINGS; the caller sets the id).  Refused, naming the
 * key, when a text would not fit WIRE_SETTINGS_TEXT_MAX. */
gboolean ecivm_settings_guest_message(const EcivmSettings *s, struct wire_control *out, GError **error);

#endif
