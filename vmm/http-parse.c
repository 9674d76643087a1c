#include <string.h>

#include "error.h"
#include "http-parse.h"

#define MAX_LINE 4096

void ecivm_http_head_free(EcivmHttpHead *h)
{
        if (!h)
                return;
        for (guint i = 0; i < h->n_headers; i++) {
                g_free(h->headers[i].name);
                g_free(h->headers[i].value);
        }
        g_free(h->headers);
        g_free(h->method);
        g_free(h->target);
        g_free(h->path);
        g_free(h->query);
        g_free(h);
}

gssize ecivm_http_head_length(const char *buf, gsize len)
{
        gsize limit = MIN(len, (gsize) ECIVM_HTTP_MAX_HEAD);

        for (gsize i = 3; i < limit; i++)
                if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
                        return (gssize) (i + 1);
        return len >= ECIVM_HTTP_MAX_HEAD ? -1 : 0;
}

static gboolean bad(GError **error, const char *what)
{
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "malformed HTTP: %s", what);
        return FALSE;
}

static gboolean is_tchar(char c)
{
        return g_ascii_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(char c)
{
        return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* Percent-decode then clean like Go's path.Clean: dockerd routes the decoded,
 * cleaned path, so the filter must see the same one. */
static char *clean_path(const char *raw, gsize len, GError **error)
{
        g_autoptr(GString) dec = g_string_new(NULL);
        g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) segs = NULL;
        GString *out;

        for (gsize i = 0; i < len; i++) {
                if (raw[i] == '%') {
                        int hi = i + 2 < len ? hexval(raw[i + 1]) : -1, lo = i + 2 < len ? hexval(raw[i + 2]) : -1;
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                bad(error, "bad percent-escape in the path");
                                return NULL;
                        }
                        g_string_append_c(dec, (char) (hi * 16 + lo));
                        i += 2;
                } else {
                        g_string_append_c(dec, raw[i]);
                }
        }
        segs = g_strsplit(dec->str, "/", -1);
        for (char **s = segs; *s; s++) {
                if (!**s || g_str_equal(*s, "."))
                        continue;
                if (g_str_equal(*s, "..")) {
                        if (parts->len)
                                g_ptr_array_remove_index(parts, parts->len - 1);
                        continue;
                }
                g_ptr_array_add(parts, g_strdup(*s));
        }
        out = g_string_new(NULL);
        for (guint i = 0; i < parts->len; i++) {
                g_string_append_c(out, '/');
                g_string_append(out, parts->pdata[i]);
        }
        if (out->len == 0)
                g_string_append_c(out, '/');
        return g_string_free(out, FALSE);
}

static gboolean parse_request_line(EcivmHttpHead *h, const char *line, gsize len, GError **error)
{
        const char *sp1 = memchr(line, ' ', len), *sp2, *q;
        gsize tlen;

        if (!sp1 || sp1 == line)
                return bad(error, "request line");
        for (const char *p = line; p < sp1; p++)
                if (!is_tchar(*p))
                        return bad(error, "method");
        sp2 = memchr(sp1 + 1, ' ', len - (gsize) (sp1 + 1 - line));
        if (!sp2 || sp2 == sp1 + 1)
                return bad(error, "request line");
        tlen = (gsize) (sp2 - sp1 - 1);
        if (sp1[1] != '/')
                return bad(error, "request target must start with /");
        for (const char *p = sp1 + 1; p < sp2; p++)
                if ((unsigned char) *p <= 0x20 || *p == 0x7f || *p == '#')
                        return bad(error, "request target");
        if ((gsize) (line + len - sp2 - 1) != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
            (sp2[8] != '0' && sp2[8] != '1'))
                return bad(error, "version (HTTP/1.0 or HTTP/1.1 only)");
        h->minor = sp2[8] - '0';
        h->method = g_strndup(line, (gsize) (sp1 - line));
        h->target = g_strndup(sp1 + 1, tlen);
        q = strchr(h->target, '?');
        h->query = g_strdup(q ? q + 1 : "");
        h->path = clean_path(h->target, q ? (gsize) (q - h->target) : tlen, error);
        return h->path != NULL;
}

static gboolean parse_status_line(EcivmHttpHead *h, const char *line, gsize len, GError **error)
{
        if (len < 12 || strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
            !g_ascii_isdigit(line[9]) || !g_ascii_isdigit(line[10]) || !g_ascii_isdigit(line[11]) ||
            (len > 12 && line[12] != ' '))
                return bad(error, "status line");
        for (gsize i = 12; i < len; i++)
                if ((unsigned char) line[i] < 0x20 && line[i] != '\t')
                        return bad(error, "status line");
        h->minor = line[7] - '0';
        h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        if (h->status < 100)
                return bad(error, "status code");
        return TRUE;
}

static gboolean add_header(EcivmHttpHead *h, const char *line, gsize len, GError **error)
{
        const char *colon = memchr(line, ':', len);
        const char *v, *end = line + len;

        if (!colon || colon == line)
                return bad(error, "header line");
        for (const char *p = line; p < colon; p++)
                if (!is_tchar(*p))
                        return bad(error, "header name");
        for (const char *p = colon + 1; p < end; p++)
                if (((unsigned char) *p < 0x20 && *p != '\t') || *p == 0x7f)
                        return bad(error, "control character in a header value");
        if (h->n_headers >= ECIVM_HTTP_MAX_HEADERS)
                return bad(error, "too many headers");
        for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
                ;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        h->headers[h->n_headers].name = g_ascii_strdown(line, colon - line);
        h->headers[h->n_headers].value = g_strndup(v, (gsize) (end - v));
        h->n_headers++;
        return TRUE;
}

const char *ecivm_http_head_get(const EcivmHttpHead *h, const char *name)
{
        for (guint i = 0; i < h->n_headers; i++)
                if (g_str_equal(h->headers[i].name, name))
                        return h->headers[i].value;
        return NULL;
}

static gboolean has_token(const char *list, const char *token)
{
        g_auto(GStrv) parts = g_strsplit(list, ",", -1);

        for (char **p = parts; *p; p++) {
                g_autofree char *t = g_strstrip(g_strdup(*p));
                if (g_ascii_strcasecmp(t, token) == 0)
                        return TRUE;
        }
        return FALSE;
}

/* Body framing, Connection tokens; strict about length headers. */
static gboolean decide_framing(EcivmHttpHead *h, const char *request_method, GError **error)
{
        const char *cl = NULL, *te = NULL;

        for (guint i = 0; i < h->n_headers; i++) {
                const EcivmHttpHeader *x = &h->headers[i];
                if (g_str_equal(x->name, "content-length")) {
                        if (cl && !g_str_equal(cl, x->value))
                                return bad(error, "conflicting Content-Length headers");
                        cl = x->value;
                } else if (g_str_equal(x->name, "transfer-encoding")) {
                        if (te)
                                return bad(error, "repeated Transfer-Encoding");
                        te = x->value;
                } else if (g_str_equal(x->name, "connection")) {
                        h->upgrade |= has_token(x->value, "upgrade");
                        h->close |= has_token(x->value, "close");
                }
        }
        if (cl && te)
                return bad(error, "both Content-Length and Transfer-Encoding");
        if (te && g_ascii_strcasecmp(te, "chunked") != 0)
                return bad(error, "Transfer-Encoding other than chunked");
        if (cl) {
                if (!*cl || strlen(cl) > 15)
                        return bad(error, "Content-Length");
                for (const char *p = cl; *p; p++)
                        if (!g_ascii_isdigit(*p))
                                return bad(error, "Content-Length");
                h->content_length = g_ascii_strtoull(cl, NULL, 10);
        }
        if (h->response) {
                h->upgrade = h->status == 101;
                if ((h->status >= 100 && h->status < 200) || h->status == 204 || h->status == 304 ||
                    (request_method && g_str_equal(request_method, "HEAD")))
                        h->body = ECIVM_HTTP_BODY_NONE;
                else
                        h->body = te ? ECIVM_HTTP_BODY_CHUNKED
                                     : cl ? ECIVM_HTTP_BODY_LENGTH : ECIVM_HTTP_BODY_UNTIL_CLOSE;
        } else {
                h->body = te ? ECIVM_HTTP_BODY_CHUNKED : cl ? ECIVM_HTTP_BODY_LENGTH : ECIVM_HTTP_BODY_NONE;
        }
        if (h->body == ECIVM_HTTP_BODY_LENGTH && h->content_length == 0)
                h->body = ECIVM_HTTP_BODY_NONE;
        if (h->minor == 0 && !h->response)
                h->close = TRUE;
        return TRUE;
}

static EcivmHttpHead *parse_head(const char *buf, gsize len, gboolean response, const char *request_method,
                                 GError **error)
{
        g_autoptr(EcivmHttpHead) h = g_new0(EcivmHttpHead, 1);
        gsize pos = 0;
        gboolean first = TRUE;

        h->response = response;
        h->headers = g_new0(EcivmHttpHeader, ECIVM_HTTP_MAX_HEADERS);
        if (len < 4 || len > ECIVM_HTTP_MAX_HEAD || memcmp(buf + len - 4, "\r\n\r\n", 4) != 0) {
                bad(error, "incomplete head");
                return NULL;
        }
        while (pos < len) {
                const char *line = buf + pos;
                const char *lf = memchr(line, '\n', len - pos);
                gsize llen;

                if (!lf || lf == line || lf[-1] != '\r') {
                        bad(error, "line not ended by CRLF");
                        return NULL;
                }
                llen = (gsize) (lf - line) - 1;
                pos += llen + 2;
                if (memchr(line, '\0', llen) || memchr(line, '\r', llen)) {
                        bad(error, "NUL or CR inside a line");
                        return NULL;
                }
                if (llen == 0) {
                        if (first || pos != len) {
                                bad(error, "empty line");
                                return NULL;
                        }
                        break;
                }
                if (first) {
                        if (!(response ? parse_status_line(h, line, llen, error)
                                       : parse_request_line(h, line, llen, error)))
                                return NULL;
                        first = FALSE;
                        continue;
                }
                if (*line == ' ' || *line == '\t') {
                        bad(error, "obsolete header folding");
                        return NULL;
                }
                if (!add_header(h, line, llen, error))
                        return NULL;
        }
        if (!decide_framing(h, request_method, error))
                return NULL;
        return g_steal_pointer(&h);
}

EcivmHttpHead *ecivm_http_parse_request(const char *buf, gsize len, GError **error)
{
        return parse_head(buf, len, FALSE, NULL, error);
}

EcivmHttpHead *ecivm_http_parse_response(const char *buf, gsize len, const char *request_method, GError **error)
{
        return parse_head(buf, len, TRUE, request_method, error);
}

gboolean ecivm_http_query_any(const EcivmHttpHead *h, const char *name,
                              gboolean (*pred)(const char *value, gpointer user), gpointer user)
{
        g_auto(GStrv) pairs = g_strsplit_set(h->query ? h->query : "", "&;", -1);

        for (char **p = pairs; *p; p++) {
                char *eq = strchr(*p, '=');
                g_autofree char *k = NULL, *v = NULL;

                for (char *c = *p; *c; c++)
                        if (*c == '+')
                                *c = ' ';
                k = g_uri_unescape_segment(*p, eq, NULL);
                v = eq ? g_uri_unescape_string(eq + 1, NULL) : g_strdup("");
                if (!k || !v) /* undecodable: treat as a match, callers deny */
                        return TRUE;
                if (g_str_equal(k, name) && pred(v, user))
                        return TRUE;
        }
        return FALSE;
}

/* ---- chunked ---- */

enum { C_SIZE, C_SIZE_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER_START, C_TRAILER, C_TRAILER_LF,
       C_END_LF, C_DONE };

void ecivm_http_chunked_init(EcivmHttpChunked *c)
{
        *c = (EcivmHttpChunked){ .state = C_SIZE };
}

gssize ecivm_http_chunked_feed(EcivmHttpChunked *c, const char *in, gsize len, GByteArray *data)
{
        gsize i = 0;

        while (i < len && c->state != C_DONE) {
                char ch = in[i];

                switch (c->state) {
                case C_SIZE:
                        if (hexval(ch) >= 0) {
                                if (c->line++ >= 15)
                                        return -1;
                                c->remaining = c->remaining * 16 + (guint64) hexval(ch);
                        } else if (ch == '\r' && c->line > 0) {
                                c->state = C_SIZE_LF;
                        } else if (ch == ';' && c->line > 0) {
                                c->state = C_SIZE_EXT;
                        } else {
                                return -1;
                        }
                        i++;
                        break;
                case C_SIZE_EXT:
                        if (ch == '\r')
                                c->state = C_SIZE_LF;
                        else if (ch == '\n' || ch == '\0' || ++c->line > MAX_LINE)
                                return -1;
                        i++;
                        break;
                case C_SIZE_LF:
                        if (ch != '\n')
                                return -1;
                        c->line = 0;
                        c->state = c->remaining ? C_DATA : C_TRAILER_START;
                        i++;
                        break;
                case C_DATA: {
                        gsize n = (gsize) MIN((guint64) (len - i), c->remaining);
                        if (data)
                                g_byte_array_append(data, (const guint8 *) in + i, (guint) n);
                        c->remaining -= n;
                        i += n;
                        if (c->remaining == 0)
                                c->state = C_DATA_CR;
                        break;
                }
                case C_DATA_CR:
                        if (ch != '\r')
                                return -1;
                        c->state = C_DATA_LF;
                        i++;
                        break;
                case C_DATA_LF:
                        if (ch != '\n')
                                return -1;
                        c->state = C_SIZE;
                        c->line = 0;
                        i++;
                        break;
                case C_TRAILER_START:
                        c->state = ch == '\r' ? C_END_LF : C_TRAILER;
                        c->line = 0;
                        if (ch == '\n')
                                return -1;
                        i++;
                        break;
                case C_TRAILER:
                        if (ch == '\r')
                                c->state = C_TRAILER_LF;
                        else if (ch == '\n' || ch == '\0' || ++c->line > MAX_LINE)
                                return -1;
                        i++;
                        break;
                case C_TRAILER_LF:
                        if (ch != '\n')
                                return -1;
                        c->state = C_TRAILER_START;
                        i++;
                        break;
                case C_END_LF:
                        if (ch != '\n')
                                return -1;
                        c->state = C_DONE;
                        c->done = TRUE;
                        i++;
                        break;
                default:
                        return -1;
                }
        }
        return (gssize) i;
}
