/* HTTP/1.1 message heads and chunked framing for the Engine API proxy, pure
 * and strict (anything ambiguous is an error, so a request cannot be read one
 * way here and another way by dockerd):
 *   - heads end with CRLF CRLF and are at most ECIVM_HTTP_MAX_HEAD bytes;
 *   - CRLF line ends only; no obsolete line folding; header names are tokens;
 *     values hold no control characters other than HTAB;
 *   - Content-Length: digits only, repeated only with the same value, never
 *     together with Transfer-Encoding; Transfer-Encoding: "chunked" only;
 *   - request targets are origin-form ("/..."), without control bytes or spaces.
 * Fuzz-friendly: no allocation beyond the result, no recursion.
 */
#ifndef ECIVM_VMM_HTTP_PARSE_H
#define ECIVM_VMM_HTTP_PARSE_H

#include <glib.h>

#define ECIVM_HTTP_MAX_HEAD (64 * 1024)
#define ECIVM_HTTP_MAX_HEADERS 128

typedef enum {
        ECIVM_HTTP_BODY_NONE,
        ECIVM_HTTP_BODY_LENGTH,
        ECIVM_HTTP_BODY_CHUNKED,
        ECIVM_HTTP_BODY_UNTIL_CLOSE, /* responses without length: the rest of the connection */
} EcivmHttpBody;

typedef struct {
        char *name; /* lower case */
        char *value; /* surrounding whitespace removed */
} EcivmHttpHeader;

typedef struct {
        gboolean response;
        char *method;      /* requests */
        char *target;      /* requests: as sent */
        char *path;        /* requests: percent-decoded, cleaned ("/a/../b" -> "/b") */
        char *query;       /* requests: raw query without '?', "" if none */
        int status;        /* responses */
        int minor;         /* HTTP/1.<minor> */
        EcivmHttpHeader *headers;
        guint n_headers;
        EcivmHttpBody body;
        guint64 content_length;
        gboolean upgrade;  /* Connection: upgrade (requests) / 101 (responses) */
        gboolean close;    /* Connection: close */
} EcivmHttpHead;

void ecivm_http_head_free(EcivmHttpHead *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmHttpHead, ecivm_http_head_free)

/* Length of the head at the start of BUF (through CRLF CRLF), 0 if not
 * complete yet, -1 if it cannot be a head (over the limit). */
gssize ecivm_http_head_length(const char *buf, gsize len);

EcivmHttpHead *ecivm_http_parse_request(const char *buf, gsize len, GError **error);
/* REQUEST_METHOD decides bodiless responses (HEAD). */
EcivmHttpHead *ecivm_http_parse_response(const char *buf, gsize len, const char *request_method, GError **error);

/* First value of header NAME (lower case), or NULL. */
const char *ecivm_http_head_get(const EcivmHttpHead *h, const char *name);
/* Value of query parameter NAME (percent-decoded; "+" is a space), or NULL.
 * Returns the last occurrence (Go's url.Values.Get returns the first, so
 * callers that deny check every occurrence with ecivm_http_query_any). */
gboolean ecivm_http_query_any(const EcivmHttpHead *h, const char *name,
                              gboolean (*pred)(const char *value, gpointer user), gpointer user);

/* Chunked body framing, incremental.  Feed bytes; it says how many belong to
 * the body (all framing included) and when the body ended. */
typedef struct {
        int state;
        guint64 remaining; /* data bytes left in the current chunk */
        guint line;        /* bytes of the current size/trailer line */
        gboolean done;
} EcivmHttpChunked;

void ecivm_http_chunked_init(EcivmHttpChunked *c);
/* Consumes up to LEN bytes of IN; returns the number consumed (< LEN only
 * when the body ended), or -1 on malformed framing.  If DATA is not NULL the
 * chunk payload bytes are appended to it. */
gssize ecivm_http_chunked_feed(EcivmHttpChunked *c, const char *in, gsize len, GByteArray *data);

#endif
