/* Text from users, before it is parsed or logged (pure).
 *
 * ecivm_json_strict_check(): every reader of JSON from users (service
 * requests, `settings set`, the settings files, dockerd options) runs it
 * before json-glib.  json-glib's scanner accepts more than RFC 8259 (hex and
 * octal numbers such as 0x400), cuts strings at an embedded NUL ("\u0000")
 * and keeps the last of duplicate keys; this refuses all three, naming the
 * key: "params.key: a string with an embedded NUL (\u0000)".
 *
 * ecivm_escape_bounded(): client input for a log line: control characters,
 * DEL, U+2028/U+2029, bidi controls and bytes that are not UTF-8 as \xNN (so escaping twice changes
 * nothing), at most MAX input bytes, then "...(N bytes)" with the original
 * length: one bounded line whatever the client sent. */
#ifndef ECIVM_VMM_USER_INPUT_H
#define ECIVM_VMM_USER_INPUT_H

#include <glib.h>

#define ECIVM_JSON_MAX_DEPTH 64
#define ECIVM_LOG_INPUT_MAX 200 /* one client-supplied value */
#define ECIVM_LOG_LINE_MAX 1024 /* a message quoting such values */

gboolean ecivm_json_strict_check(const char *text, gsize len, GError **error);

/* LEN < 0: S is NUL-terminated. */
char *ecivm_escape_bounded(const char *s, gssize len, gsize max);

#endif
