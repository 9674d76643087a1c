#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "settings.h"

static bool is_digest(const char *s)
{
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* The host serialises with json-glib, so a JSON object is exactly "{...}";
 * anything else is a host bug or tampering, never something to repair. */
static bool is_object(const char *text)
{
        size_t n = strlen(text);

        return n >= 2 && text[0] == '{' && text[n - 1] == '}';
}

/* NULL, or why NAME is unusable (in a static buffer). */
static const char *get_object(const struct wire_control *m, const char *name, char *out, size_t cap)
{
        static char why[96];
        ssize_t n = wire_control_get_text(m, name, out, cap);
        const char *problem = n == -ENOENT ? "missing"
                            : n == -E2BIG  ? "too long"
                            : n < 0        ? "malformed"
                            : !is_object(out) ? "not a JSON object" : NULL;

        if (!problem)
                return NULL;
        snprintf(why, sizeof(why), "settings: %s %s", name, problem);
        return why;
}

/* KEY's place in OUT. */
static char *text_of(struct guest_settings *out, enum wire_settings_key key, size_t *ret_cap)
{
        switch (key) {
        case WIRE_SETTINGS_DAEMON_OPTIONS:
                *ret_cap = sizeof(out->daemon_options);
                return out->daemon_options;
        case WIRE_SETTINGS_ECI_JSON:
                *ret_cap = sizeof(out->eci_json);
                return out->eci_json;
        case WIRE_SETTINGS_DIGEST:
        case WIRE_SETTINGS_N_KEYS:
                break;
        }
        *ret_cap = 0;
        return NULL;
}

const char *settings_parse(const struct wire_control *m, struct guest_settings *out)
{
        static char why[96];
        const char *name = wire_settings_keys[WIRE_SETTINGS_DIGEST].key;
        const char *digest = wire_control_get(m, name);

        if (!digest || !is_digest(digest)) {
                snprintf(why, sizeof(why), "settings: %s missing or not 64 hex digits", name);
                return why;
        }
        for (int k = 0; k < WIRE_SETTINGS_N_KEYS; k++) {
                size_t cap;
                char *text = text_of(out, k, &cap);
                const char *problem;

                if (wire_settings_keys[k].type != WIRE_SETTINGS_TYPE_TEXT)
                        continue;
                if (!text)
                        return "settings: a text key without a buffer";
                problem = get_object(m, wire_settings_keys[k].key, text, cap);
                if (problem)
                        return problem;
        }
        memcpy(out->digest, digest, 65);
        out->received = true;
        return NULL;
}

const char *settings_object_members(const char *object, char *buf, size_t cap)
{
        size_t n = strlen(object);

        if (!is_object(object) || n - 2 >= cap)
                return NULL;
        memcpy(buf, object + 1, n - 2);
        buf[n - 2] = '\0';
        return buf;
}
