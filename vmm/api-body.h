/* Engine API request bodies read as dockerd reads them, or refused where
 * json-glib and dockerd could read them differently.
 *
 * dockerd (Debian's 20.10.24, Go 1.19 encoding/json) matches an object key to
 * a struct field exactly if it can, else ASCII case-insensitively with U+017F
 * (long s) as 's' and U+212A (Kelvin) as 'k'; of a key given twice it keeps the
 * last (merging twice-given objects); it reads "\u0000" in a string where
 * json-glib ends the string.  json-glib matches exactly.  Map keys (Labels,
 * DriverOpts, ...) are matched exactly by both. */
#ifndef ECIVM_VMM_API_BODY_H
#define ECIVM_VMM_API_BODY_H

#include <json-glib/json-glib.h>

/* The body's root object, or NULL: with *RET_WHY set when the body is not
 * exactly one JSON object, has a \u0000 escape or has a key twice in one
 * object; with *RET_WHY untouched when the body is empty. */
JsonObject *ecivm_api_body_parse(JsonParser *parser, const char *body, gsize len, char **ret_why);

/* KEY as Go folds it for matching against a field name (ASCII letters
 * upper-cased, long s to 'S', Kelvin to 'K'). */
char *ecivm_api_body_fold(const char *key);

/* The first key of O (may be NULL) that dockerd decodes into a field among
 * FIELDS (NULL-terminated lists of NULL-terminated lists), with that field in
 * *RET_FIELD; or NULL. */
const char *ecivm_api_body_find(JsonObject *o, const char *const *const *fields, const char **ret_field);

/* NULL if dockerd reads every key of O, a Go struct with FIELDS found at WHERE
 * (a path like "HostConfig.Mounts[0]"; "" for the body), exactly as json-glib
 * does.  Otherwise the refusal: a key spelled otherwise than the field it
 * names, or two keys that Go folds alike.  O may be NULL. */
char *ecivm_api_body_check_struct(JsonObject *o, const char *where, const char *const *const *fields);

/* KEY for a message: control bytes and, if it is not UTF-8, bytes >= 0x80
 * as \xNN. */
char *ecivm_api_body_printable(const char *key);

/* dockerd 20.10's struct fields (api/types, runconfig). */
extern const char *const ecivm_api_fields_create_wrapper[];
extern const char *const ecivm_api_fields_config[];
extern const char *const ecivm_api_fields_host_config[];
extern const char *const ecivm_api_fields_resources[];
extern const char *const ecivm_api_fields_update[];
extern const char *const ecivm_api_fields_mount[];
extern const char *const ecivm_api_fields_volume_options[];
extern const char *const ecivm_api_fields_driver[];
extern const char *const ecivm_api_fields_volume_create[];

#endif
