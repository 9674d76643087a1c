#include <string.h>

#include "error.h"
#include "user-input.h"

/* ---- log escaping ---- */

/* Printable, but not in a log line: line and paragraph separators, and the
 * bidi controls that make a line read other than it is written. */
static gboolean shown_as_bytes(gunichar u)
{
        return u < 0xa0 || u == 0x2028 || u == 0x2029 || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069);
}

char *ecivm_escape_bounded(const char *s, gssize len, gsize max)
{
        gsize n = len < 0 ? strlen(s) : (gsize) len, i = 0;
        GString *out = g_string_sized_new(MIN(n, max) + 32);

        while (i < n && i < max) {
                guchar c = (guchar) s[i];
                gunichar u;
                gsize step = 1;

                if (c >= 0x80) {
                        const char *next;
                        gssize left = (gssize) (n - i);

                        u = g_utf8_get_char_validated(s + i, left);
                        next = (u == (gunichar) -1 || u == (gunichar) -2) ? NULL : g_utf8_next_char(s + i);
                        if (next && !shown_as_bytes(u)) {
                                step = (gsize) (next - (s + i));
                                g_string_append_len(out, s + i, (gssize) step);
                                i += step;
                                continue;
                        }
                        if (next) /* C1 controls, separators, bidi */
                                step = (gsize) (next - (s + i));
                        for (gsize k = 0; k < step; k++)
                                g_string_append_printf(out, "\\x%02x", (guchar) s[i + k]);
                        i += step;
                        continue;
                }
                if (c < 0x20 || c == 0x7f)
                        g_string_append_printf(out, "\\x%02x", c);
                else
                        g_string_append_c(out, (char) c);
                i++;
        }
        if (i < n)
                g_string_append_printf(out, "...(%" G_GSIZE_FORMAT " bytes)", n);
        return g_string_free(out, FALSE);
}

/* ---- strict JSON ---- */

typedef struct {
        const char *p, *end;
        GString *path; /* "params.key", "" at the top */
        GError **error;
} Scan;

static gboolean fail(Scan *s, const char *what)
{
        if (s->path->len)
                g_set_error(s->error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s", s->path->str, what);
        else
                g_set_error(s->error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s", what);
        return FALSE;
}

static void skip_ws(Scan *s)
{
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
                s->p++;
}

static int hex4(const char *p)
{
        int v = 0;

        for (int i = 0; i < 4; i++) {
                int d = g_ascii_xdigit_value(p[i]);
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        return v;
}

/* At '"': the decoded string into OUT (may be NULL); *RET_NUL when it holds
 * a NUL, which the caller refuses naming the key. */
static gboolean scan_string(Scan *s, GString *out, gboolean *ret_nul)
{
        *ret_nul = FALSE;
        s->p++;
        while (s->p < s->end && *s->p != '"') {
                guchar c = (guchar) *s->p;

                if (c == 0)
                        *ret_nul = TRUE;
                else if (c < 0x20)
                        return fail(s, "a control character in a string (escape it)");
                if (c != '\\') {
                        if (out)
                                g_string_append_c(out, (char) c);
                        s->p++;
                        continue;
                }
                if (s->end - s->p < 2)
                        break;
                c = (guchar) s->p[1];
                if (c == 'u') {
                        int u = s->end - s->p >= 6 ? hex4(s->p + 2) : -1;
                        if (u < 0)
                                return fail(s, "a bad \\u escape in a string");
                        if (u == 0)
                                *ret_nul = TRUE;
                        s->p += 6;
                        if (u >= 0xd800 && u < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
                                int lo = hex4(s->p + 2);
                                if (lo >= 0xdc00 && lo < 0xe000) {
                                        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                                        s->p += 6;
                                }
                        }
                        if (out) {
                                char buf[6];
                                g_string_append_len(out, buf, g_unichar_to_utf8((gunichar) u, buf));
                        }
                        continue;
                }
                if (!strchr("\"\\/bfnrt", c) || !c)
                        return fail(s, "a bad escape in a string");
                if (out)
                        g_string_append_c(out, c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r'
                                                       : c == 't' ? '\t' : (char) c);
                s->p += 2;
        }
        if (s->p >= s->end)
                return fail(s, "an unterminated string");
        s->p++;
        return TRUE;
}

static gboolean digits(Scan *s)
{
        const char *start = s->p;

        while (s->p < s->end && g_ascii_isdigit(*s->p))
                s->p++;
        return s->p > start;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean scan_number(Scan *s)
{
        const char *start = s->p;
        gboolean ok = TRUE;

        if (*s->p == '-')
                s->p++;
        if (s->p < s->end && *s->p == '0')
                s->p++;
        else
                ok = digits(s);
        if (ok && s->p < s->end && *s->p == '.') {
                s->p++;
                ok = digits(s);
        }
        if (ok && s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
                s->p++;
                if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
                        s->p++;
                ok = digits(s);
        }
        if (ok && s->p < s->end && (g_ascii_isalnum(*s->p) || *s->p == '.' || *s->p == '_'))
                ok = FALSE;
        if (!ok) {
                const char *e = s->p;
                g_autofree char *shown = NULL, *what = NULL;

                while (e < s->end && (g_ascii_isalnum(*e) || *e == '.' || *e == '+' || *e == '-'))
                        e++;
                shown = ecivm_escape_bounded(start, e - start, 32);
                what = g_strdup_printf("\"%s\" is not a decimal JSON number", shown);
                return fail(s, what);
        }
        return TRUE;
}

static gboolean scan_value(Scan *s, int depth);

static gboolean scan_object(Scan *s, int depth)
{
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        gsize base = s->path->len;

        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == '}') {
                s->p++;
                return TRUE;
        }
        for (;;) {
                g_autoptr(GString) key = g_string_new(NULL);
                g_autofree char *shown = NULL;
                gboolean nul;

                skip_ws(s);
                if (s->p >= s->end || *s->p != '"')
                        return fail(s, "expected a key (a string)");
                if (!scan_string(s, key, &nul))
                        return FALSE;
                shown = ecivm_escape_bounded(key->str, (gssize) key->len, 64);
                if (base)
                        g_string_append_c(s->path, '.');
                g_string_append(s->path, shown);
                if (nul)
                        return fail(s, "a key with an embedded NUL (\\u0000)");
                if (!g_hash_table_add(seen, g_strdup(key->str)))
                        return fail(s, "duplicate key");
                skip_ws(s);
                if (s->p >= s->end || *s->p != ':')
                        return fail(s, "expected ':' after the key");
                s->p++;
                if (!scan_value(s, depth + 1))
                        return FALSE;
                g_string_truncate(s->path, base);
                skip_ws(s);
                if (s->p < s->end && *s->p == ',') {
                        s->p++;
                        continue;
                }
                if (s->p < s->end && *s->p == '}') {
                        s->p++;
                        return TRUE;
                }
                return fail(s, "expected ',' or '}'");
        }
}

static gboolean scan_array(Scan *s, int depth)
{
        gsize base = s->path->len;

        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == ']') {
                s->p++;
                return TRUE;
        }
        for (guint i = 0;; i++) {
                g_string_append_printf(s->path, "[%u]", i);
                if (!scan_value(s, depth + 1))
                        return FALSE;
                g_string_truncate(s->path, base);
                skip_ws(s);
                if (s->p < s->end && *s->p == ',') {
                        s->p++;
                        continue;
                }
                if (s->p < s->end && *s->p == ']') {
                        s->p++;
                        return TRUE;
                }
                return fail(s, "expected ',' or ']'");
        }
}

static gboolean scan_value(Scan *s, int depth)
{
        skip_ws(s);
        if (depth > ECIVM_JSON_MAX_DEPTH)
                return fail(s, "nested deeper than " G_STRINGIFY(ECIVM_JSON_MAX_DEPTH) " levels");
        if (s->p >= s->end)
                return fail(s, "expected a value");
        switch (*s->p) {
        case '{': return scan_object(s, depth);
        case '[': return scan_array(s, depth);
        case '"': {
                gboolean nul;
                if (!scan_string(s, NULL, &nul))
                        return FALSE;
                return !nul || fail(s, "a string with an embedded NUL (\\u0000)");
        }
        case 't':
        case 'f':
        case 'n':
                for (const char *const *w = (const char *const[]) { "true", "false", "null", NULL }; *w; w++) {
                        gsize n = strlen(*w);
                        if ((gsize) (s->end - s->p) >= n && memcmp(s->p, *w, n) == 0 &&
                            ((gsize) (s->end - s->p) == n || !g_ascii_isalnum(s->p[n]))) {
                                s->p += n;
                                return TRUE;
                        }
                }
                return fail(s, "not JSON (expected true, false or null)");
        default:
                if (*s->p == '-' || g_ascii_isdigit(*s->p) || *s->p == '+' || *s->p == '.')
                        return scan_number(s);
                return fail(s, "not JSON (unexpected character)");
        }
}

gboolean ecivm_json_strict_check(const char *text, gsize len, GError **error)
{
        g_autoptr(GString) path = g_string_new(NULL);
        Scan s = { text, text + len, path, error };

        if (!scan_value(&s, 0))
                return FALSE;
        skip_ws(&s);
        if (s.p < s.end) {
                g_string_truncate(path, 0);
                return fail(&s, "not JSON (text after the value)");
        }
        return TRUE;
}
