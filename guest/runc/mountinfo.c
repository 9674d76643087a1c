#include "config.h"

#include <string.h>

#include "mountinfo.h"

/* mountinfo escapes ' ', '\t', '\n', '\\' (and overlay's options also ','
 * and '=') as \ooo */
static char *unescape(const char *s, gsize len)
{
        GString *out = g_string_sized_new(len);

        for (gsize i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7' && memcmp(s + i + 1, "000", 3) != 0) {
                        g_string_append_c(out, (char) ((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
                        i += 3;
                        continue;
                }
                g_string_append_c(out, s[i]);
        }
        return g_string_free(out, FALSE);
}

/* the INDEX-th space-separated field of LINE (up to END) */
static gboolean field(const char *line, const char *end, guint index, const char **ret, gsize *ret_len)
{
        const char *p = line, *sp;

        for (guint i = 0; i < index; i++) {
                p = memchr(p, ' ', (gsize) (end - p));
                if (p == NULL)
                        return FALSE;
                p++;
        }
        *ret = p;
        sp = memchr(p, ' ', (gsize) (end - p));
        *ret_len = (gsize) ((sp != NULL ? sp : end) - p);
        return TRUE;
}

gboolean eci_mountinfo_overlay(const char *mountinfo, const char *mount_point, char **ret_lower, char **ret_upper)
{
        g_autofree char *lower = NULL, *upper = NULL;
        gboolean found = FALSE;

        for (const char *line = mountinfo; line != NULL && *line != '\0';) {
                const char *eol = strchr(line, '\n') ?: line + strlen(line);
                g_autofree char *text = g_strndup(line, (gsize) (eol - line));
                const char *sep = strstr(text, " - "), *mp, *type, *opts;
                gsize mp_len, type_len, opts_len;
                g_autofree char *where = NULL, *super = NULL;
                g_auto(GStrv) parts = NULL;

                line = *eol ? eol + 1 : eol;
                if (sep == NULL || !field(text, sep, 4, &mp, &mp_len))
                        continue;
                where = unescape(mp, mp_len);
                if (strcmp(where, mount_point) != 0)
                        continue;
                /* a later mount there hides this one */
                found = TRUE;
                g_clear_pointer(&lower, g_free);
                g_clear_pointer(&upper, g_free);
                /* after " - ": type, source, super options */
                if (!field(sep + 3, text + strlen(text), 0, &type, &type_len) ||
                    !field(sep + 3, text + strlen(text), 2, &opts, &opts_len) || type_len != strlen("overlay") ||
                    strncmp(type, "overlay", type_len) != 0)
                        continue;
                super = g_strndup(opts, opts_len);
                parts = g_strsplit(super, ",", -1);
                for (guint j = 0; parts[j] != NULL; j++) {
                        if (g_str_has_prefix(parts[j], "lowerdir=")) {
                                g_free(lower);
                                lower = unescape(parts[j] + strlen("lowerdir="), strlen(parts[j]) - strlen("lowerdir="));
                        } else if (g_str_has_prefix(parts[j], "upperdir=")) {
                                g_free(upper);
                                upper = unescape(parts[j] + strlen("upperdir="), strlen(parts[j]) - strlen("upperdir="));
                        }
                }
        }
        if (!found || lower == NULL || upper == NULL || *lower == '\0' || *upper == '\0')
                return FALSE;
        *ret_lower = g_steal_pointer(&lower);
        *ret_upper = g_steal_pointer(&upper);
        return TRUE;
}
