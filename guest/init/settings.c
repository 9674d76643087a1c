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

const char *settings_parse(const struct wire_control *m, struct guest_settings *out)
{
        const char *digest = wire_control_get(m, "digest");
        const char *why;

        if (!digest || !is_digest(digest))
                return "settings: digest missing or not 64 hex digits";
        why = get_object(m, "daemon_options", out->daemon_options, sizeof(out->daemon_options));
        if (!why)
                why = get_object(m, "eci_json", out->eci_json, sizeof(out->eci_json));
        if (why)
                return why;
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
