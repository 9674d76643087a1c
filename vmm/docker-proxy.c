#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "docker-proxy.h"

#define MAX_BUFFERED (256 * 1024)
#define READ_CHUNK (64 * 1024)

typedef enum { RQ_HEAD, RQ_BODY_LEN, RQ_BODY_CHUNKED, RQ_BUFFER_BODY, RQ_WAIT_UPGRADE, RQ_RAW, RQ_DENIED } RqState;
typedef enum { RS_HEAD, RS_BODY_LEN, RS_BODY_CHUNKED, RS_UNTIL_CLOSE, RS_RAW } RsState;

typedef struct {
        char *method;
        gboolean candidate; /* may turn the connection raw */
} Pending;

typedef struct _Conn Conn;

struct _EcivmDockerProxy {
        wire_mux *mux;
        EcivmApiPolicy policy; /* owns images/commands */
        EcivmApiOrigin origin;
        GPtrArray *conns;      /* Conn * */
        EcivmDockerProxyStats stats;
        guint trim;            /* hands the heap back once the last client went */
};

struct _Conn {
        EcivmDockerProxy *proxy;
        int cfd, gfd;
        guint cwatch, gwatch;
        GByteArray *cin, *to_guest, *to_client;
        gboolean client_eof, guest_eof, guest_shut, client_shut;
        guint64 drained;     /* client bytes discarded after a refusal */
        guint linger;        /* bounds how long a refused client may keep sending */
        /* requests */
        RqState rq;
        guint64 body_left;
        EcivmHttpChunked chunk;
        EcivmHttpHead *head; /* the request being buffered */
        gsize head_len, buffered_fed;
        GByteArray *body;
        gboolean candidate;
        char *deny;          /* the 403 waiting for earlier responses */
        /* responses */
        RsState rs;
        GByteArray *rin;
        guint64 rbody_left;
        EcivmHttpChunked rchunk;
        GQueue pending;      /* Pending * */
        gboolean dead;
};

static void conn_update(Conn *c);

static void pending_free(gpointer p)
{
        Pending *x = p;
        g_free(x->method);
        g_free(x);
}

static void conn_free(Conn *c)
{
        g_clear_handle_id(&c->cwatch, g_source_remove);
        g_clear_handle_id(&c->gwatch, g_source_remove);
        g_clear_handle_id(&c->linger, g_source_remove);
        if (c->cfd >= 0)
                close(c->cfd);
        if (c->gfd >= 0)
                close(c->gfd);
        g_byte_array_unref(c->cin);
        g_byte_array_unref(c->to_guest);
        g_byte_array_unref(c->to_client);
        g_byte_array_unref(c->rin);
        g_byte_array_unref(c->body);
        g_clear_pointer(&c->head, ecivm_http_head_free);
        g_free(c->deny);
        g_queue_clear_full(&c->pending, pending_free);
        g_free(c);
}

static gboolean on_idle_trim(gpointer user)
{
        EcivmDockerProxy *p = user;

        p->trim = 0;
        if (p->conns->len == 0)
                malloc_trim(0);
        return G_SOURCE_REMOVE;
}

static void conn_drop(Conn *c)
{
        EcivmDockerProxy *p = c->proxy;

        c->dead = TRUE;
        g_ptr_array_remove_fast(p->conns, c); /* frees it */
        /* A burst of clients leaves its buffers all over the heap: give the
         * pages back when it is over (ecivmd's resident target is 6 MiB). */
        if (p->conns->len == 0 && !p->trim)
                p->trim = g_timeout_add_seconds(1, on_idle_trim, p);
}

static void move_bytes(GByteArray *from, gsize n, GByteArray *to)
{
        g_byte_array_append(to, from->data, (guint) n);
        g_byte_array_remove_range(from, 0, (guint) n);
}

static void deny(Conn *c, const char *why, int status)
{
        c->proxy->stats.denied++;
        g_message("docker socket: refused %s %s: %s", c->head ? c->head->method : "request",
                  c->head ? c->head->target : "", why);
        g_free(c->deny);
        c->deny = ecivm_api_filter_deny_response(why, status);
        c->rq = RQ_DENIED;
        g_byte_array_set_size(c->cin, 0);
}

static gboolean is_candidate(const EcivmHttpHead *h)
{
        /* attach and exec start hijack the connection even without Upgrade */
        return h->upgrade || g_str_has_suffix(h->path, "/attach") ||
               (strstr(h->path, "/exec/") && g_str_has_suffix(h->path, "/start")) ||
               g_str_has_suffix(h->path, "/session") || g_str_has_suffix(h->path, "/grpc");
}

static void after_request(Conn *c)
{
        c->rq = c->candidate ? RQ_WAIT_UPGRADE : RQ_HEAD;
}

/* Forward the head (HEAD_LEN bytes of cin) and set up the body. */
static void forward_head(Conn *c, EcivmHttpHead *h, gsize head_len)
{
        Pending *p = g_new0(Pending, 1);

        p->method = g_strdup(h->method);
        p->candidate = c->candidate = is_candidate(h);
        g_queue_push_tail(&c->pending, p);
        c->proxy->stats.requests++;
        move_bytes(c->cin, head_len, c->to_guest);
        switch (h->body) {
        case ECIVM_HTTP_BODY_LENGTH:
                c->body_left = h->content_length;
                c->rq = RQ_BODY_LEN;
                break;
        case ECIVM_HTTP_BODY_CHUNKED:
                ecivm_http_chunked_init(&c->chunk);
                c->rq = RQ_BODY_CHUNKED;
                break;
        default:
                after_request(c);
                break;
        }
}

static gboolean step_head(Conn *c)
{
        gssize hl = ecivm_http_head_length((const char *) c->cin->data, c->cin->len);
        g_autoptr(GError) error = NULL;
        g_autofree char *why = NULL;
        int status;
        EcivmHttpHead *h;

        g_clear_pointer(&c->head, ecivm_http_head_free);
        if (hl == 0)
                return FALSE;
        if (hl < 0) {
                deny(c, "request head larger than 64 KiB", 400);
                return TRUE;
        }
        h = ecivm_http_parse_request((const char *) c->cin->data, (gsize) hl, &error);
        if (!h) {
                deny(c, error->message, 400);
                return TRUE;
        }
        c->head = h;
        if (ecivm_api_filter_needs_body(&c->proxy->policy, h) && h->body != ECIVM_HTTP_BODY_NONE) {
                c->head_len = (gsize) hl;
                c->buffered_fed = (gsize) hl;
                g_byte_array_set_size(c->body, 0);
                ecivm_http_chunked_init(&c->chunk);
                c->rq = RQ_BUFFER_BODY;
                return TRUE;
        }
        why = ecivm_api_filter_check(&c->proxy->policy, c->proxy->origin, h, NULL, 0, &status);
        if (why)
                deny(c, why, status);
        else
                forward_head(c, h, (gsize) hl);
        return TRUE;
}

/* Buffer the body of a request the filter must read, then decide. */
static gboolean step_buffer(Conn *c)
{
        EcivmHttpHead *h = c->head;
        gsize total;
        g_autofree char *why = NULL;
        int status;

        if (h->body == ECIVM_HTTP_BODY_LENGTH) {
                if (h->content_length > ECIVM_API_FILTER_MAX_BODY) {
                        deny(c, "request body too large for the API filter", 413);
                        return TRUE;
                }
                if (c->cin->len - c->head_len < h->content_length)
                        return FALSE;
                total = c->head_len + h->content_length;
                g_byte_array_append(c->body, c->cin->data + c->head_len, (guint) h->content_length);
        } else {
                gssize n = ecivm_http_chunked_feed(&c->chunk, (const char *) c->cin->data + c->buffered_fed,
                                                   c->cin->len - c->buffered_fed, c->body);
                if (n < 0) {
                        deny(c, "malformed chunked body", 400);
                        return TRUE;
                }
                c->buffered_fed += (gsize) n;
                if (c->body->len > ECIVM_API_FILTER_MAX_BODY) {
                        deny(c, "request body too large for the API filter", 413);
                        return TRUE;
                }
                if (!c->chunk.done)
                        return FALSE;
                total = c->buffered_fed;
        }
        why = ecivm_api_filter_check(&c->proxy->policy, c->proxy->origin, h, (const char *) c->body->data,
                                     c->body->len, &status);
        if (why) {
                deny(c, why, status);
                return TRUE;
        }
        forward_head(c, h, total); /* head and whole body go at once */
        after_request(c);
        return TRUE;
}

static void process_client(Conn *c)
{
        gboolean progress = TRUE;

        while (progress && c->cin->len > 0 && c->to_guest->len < MAX_BUFFERED) {
                gsize n;
                gssize r;

                switch (c->rq) {
                case RQ_HEAD:
                        progress = step_head(c);
                        break;
                case RQ_BUFFER_BODY:
                        progress = step_buffer(c);
                        break;
                case RQ_BODY_LEN:
                        n = (gsize) MIN((guint64) c->cin->len, c->body_left);
                        move_bytes(c->cin, n, c->to_guest);
                        c->body_left -= n;
                        if (c->body_left == 0)
                                after_request(c);
                        break;
                case RQ_BODY_CHUNKED:
                        r = ecivm_http_chunked_feed(&c->chunk, (const char *) c->cin->data, c->cin->len, NULL);
                        if (r < 0) {
                                deny(c, "malformed chunked body", 400);
                                break;
                        }
                        move_bytes(c->cin, (gsize) r, c->to_guest);
                        if (c->chunk.done)
                                after_request(c);
                        break;
                case RQ_RAW:
                        move_bytes(c->cin, c->cin->len, c->to_guest);
                        break;
                case RQ_DENIED:
                        g_byte_array_set_size(c->cin, 0);
                        progress = FALSE;
                        break;
                default: /* RQ_WAIT_UPGRADE */
                        progress = FALSE;
                        break;
                }
        }
}

/* ---- responses ---- */

static gboolean raw_stream(const EcivmHttpHead *h)
{
        const char *ct = ecivm_http_head_get(h, "content-type");
        return h->status / 100 == 2 && ct &&
               (g_str_has_prefix(ct, "application/vnd.docker.raw-stream") ||
                g_str_has_prefix(ct, "application/vnd.docker.multiplexed-stream"));
}

/* A response head for the oldest pending request. FALSE: give up. */
static gboolean on_response_head(Conn *c, const EcivmHttpHead *h)
{
        Pending *p;

        if (h->status >= 100 && h->status < 200 && h->status != 101)
                return TRUE; /* interim */
        p = g_queue_pop_head(&c->pending);
        if (!p)
                return FALSE;
        if (p->candidate && (h->status == 101 || raw_stream(h))) {
                c->rs = RS_RAW;
                c->rq = RQ_RAW;
        } else {
                if (p->candidate && c->rq == RQ_WAIT_UPGRADE)
                        c->rq = RQ_HEAD;
                switch (h->body) {
                case ECIVM_HTTP_BODY_LENGTH:
                        c->rs = RS_BODY_LEN;
                        c->rbody_left = h->content_length;
                        break;
                case ECIVM_HTTP_BODY_CHUNKED:
                        c->rs = RS_BODY_CHUNKED;
                        ecivm_http_chunked_init(&c->rchunk);
                        break;
                case ECIVM_HTTP_BODY_UNTIL_CLOSE:
                        c->rs = RS_UNTIL_CLOSE;
                        break;
                default:
                        c->rs = RS_HEAD;
                        break;
                }
        }
        pending_free(p);
        return TRUE;
}

static gboolean track_response(Conn *c)
{
        while (c->rin->len > 0) {
                gssize n;

                switch (c->rs) {
                case RS_HEAD: {
                        g_autoptr(GError) error = NULL;
                        g_autoptr(EcivmHttpHead) h = NULL;
                        Pending *p = g_queue_peek_head(&c->pending);

                        n = ecivm_http_head_length((const char *) c->rin->data, c->rin->len);
                        if (n == 0)
                                return TRUE;
                        if (n < 0 || !p)
                                return FALSE;
                        h = ecivm_http_parse_response((const char *) c->rin->data, (gsize) n, p->method, &error);
                        if (!h) {
                                g_warning("docker socket: response from dockerd: %s", error->message);
                                return FALSE;
                        }
                        g_byte_array_remove_range(c->rin, 0, (guint) n);
                        if (!on_response_head(c, h))
                                return FALSE;
                        break;
                }
                case RS_BODY_LEN:
                        n = (gssize) MIN((guint64) c->rin->len, c->rbody_left);
                        g_byte_array_remove_range(c->rin, 0, (guint) n);
                        c->rbody_left -= (guint64) n;
                        if (c->rbody_left == 0)
                                c->rs = RS_HEAD;
                        break;
                case RS_BODY_CHUNKED:
                        n = ecivm_http_chunked_feed(&c->rchunk, (const char *) c->rin->data, c->rin->len, NULL);
                        if (n < 0)
                                return FALSE;
                        g_byte_array_remove_range(c->rin, 0, (guint) n);
                        if (c->rchunk.done)
                                c->rs = RS_HEAD;
                        break;
                default:
                        g_byte_array_set_size(c->rin, 0);
                        break;
                }
        }
        return TRUE;
}

/* ---- I/O ---- */

/* Reads what FD has (one chunk) onto the end of A: the array grows by what
 * arrived, not by a chunk per read, so 256 idle connections stay small. */
static gboolean read_into(int fd, GByteArray *a, gboolean *eof)
{
        guint8 buf[READ_CHUNK];
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n > 0)
                g_byte_array_append(a, buf, (guint) n);
        if (n == 0)
                *eof = TRUE;
        return n >= 0 || errno == EAGAIN || errno == EINTR;
}

static gboolean write_from(int fd, GByteArray *a)
{
        ssize_t n = write(fd, a->data, a->len);

        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        g_byte_array_remove_range(a, 0, (guint) n);
        return TRUE;
}

static gboolean on_guest(gint fd, GIOCondition cond, gpointer user)
{
        Conn *c = user;

        if ((cond & G_IO_OUT) && !write_from(c->gfd, c->to_guest)) {
                conn_drop(c);
                return G_SOURCE_REMOVE;
        }
        process_client(c); /* room again for held requests */
        if ((cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !c->guest_eof) {
                guint old = c->to_client->len;
                if (!read_into(c->gfd, c->to_client, &c->guest_eof)) {
                        conn_drop(c);
                        return G_SOURCE_REMOVE;
                }
                if (c->rs != RS_RAW) /* raw bytes need no tracking */
                        g_byte_array_append(c->rin, c->to_client->data + old, c->to_client->len - old);
                if (!track_response(c)) {
                        conn_drop(c);
                        return G_SOURCE_REMOVE;
                }
                process_client(c); /* an upgrade may release held bytes */
        }
        c->gwatch = 0;
        conn_update(c);
        return G_SOURCE_REMOVE;
}

/* After a refusal the client may still be sending the body (a build
 * context, an image): read and discard it, bounded, so that its write does
 * not fail with EPIPE before it has read the 403 (a "lingering close"). */
#define LINGER_MAX_BYTES (64u * 1024 * 1024)
#define LINGER_SECONDS 10

static void drain_client(Conn *c)
{
        char buf[READ_CHUNK];
        ssize_t n = read(c->cfd, buf, sizeof(buf));

        if (n > 0)
                c->drained += (guint64) n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                c->client_eof = TRUE;
        if (c->drained > LINGER_MAX_BYTES)
                c->client_eof = TRUE;
}

static gboolean on_linger_over(gpointer user)
{
        Conn *c = user;

        c->linger = 0;
        conn_drop(c);
        return G_SOURCE_REMOVE;
}

static gboolean on_client(gint fd, GIOCondition cond, gpointer user)
{
        Conn *c = user;

        if ((cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !c->client_eof && c->rq == RQ_DENIED)
                drain_client(c);
        if ((cond & G_IO_OUT) && !write_from(c->cfd, c->to_client)) {
                conn_drop(c);
                return G_SOURCE_REMOVE;
        }
        if ((cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !c->client_eof && c->rq != RQ_DENIED) {
                if (!read_into(c->cfd, c->cin, &c->client_eof)) {
                        conn_drop(c);
                        return G_SOURCE_REMOVE;
                }
                process_client(c);
        }
        c->cwatch = 0;
        conn_update(c);
        return G_SOURCE_REMOVE;
}

/* Half-closes, the deferred 403, the end; then the watches for what is wanted. */
static void conn_update(Conn *c)
{
        GIOCondition cw = 0, gw = 0;

        if (c->dead)
                return;
        if (c->rq == RQ_DENIED && c->deny && g_queue_is_empty(&c->pending) && c->rs == RS_HEAD) {
                g_byte_array_append(c->to_client, (const guint8 *) c->deny, (guint) strlen(c->deny));
                g_clear_pointer(&c->deny, g_free);
                c->guest_eof = TRUE; /* nothing more goes to the client after the 403 */
        }
        if (c->client_eof && c->rq == RQ_HEAD && c->to_guest->len < MAX_BUFFERED)
                g_byte_array_set_size(c->cin, 0); /* an incomplete request dies with its client */
        if (c->client_eof && !c->guest_shut && c->to_guest->len == 0 && c->cin->len == 0) {
                shutdown(c->gfd, SHUT_WR);
                c->guest_shut = TRUE;
        }
        if (c->rq == RQ_DENIED && !c->deny && !c->guest_shut) {
                shutdown(c->gfd, SHUT_WR);
                c->guest_shut = TRUE;
        }
        if (c->guest_eof && !c->client_shut && c->to_client->len == 0) {
                shutdown(c->cfd, SHUT_WR);
                c->client_shut = TRUE;
        }
        if (c->client_shut && c->rq == RQ_DENIED && !c->client_eof) {
                if (!c->linger)
                        c->linger = g_timeout_add_seconds(LINGER_SECONDS, on_linger_over, c);
                cw |= G_IO_IN; /* keep draining until the client is done */
        } else if (c->client_shut && (c->guest_shut || c->rq == RQ_DENIED)) {
                conn_drop(c);
                return;
        }
        if (!c->client_eof && c->rq != RQ_DENIED && c->rq != RQ_WAIT_UPGRADE && c->cin->len < MAX_BUFFERED &&
            c->to_guest->len < MAX_BUFFERED)
                cw |= G_IO_IN;
        if (c->rq == RQ_BUFFER_BODY && !c->client_eof && c->cin->len <= ECIVM_API_FILTER_MAX_BODY + 65536)
                cw |= G_IO_IN; /* the body must be whole before the decision */
        if (c->to_client->len > 0)
                cw |= G_IO_OUT;
        if (!c->guest_eof && c->to_client->len < MAX_BUFFERED)
                gw |= G_IO_IN;
        if (c->to_guest->len > 0)
                gw |= G_IO_OUT;
        if (c->client_eof && c->rq == RQ_BUFFER_BODY) {
                conn_drop(c); /* the client went away mid-body */
                return;
        }
        g_clear_handle_id(&c->cwatch, g_source_remove);
        g_clear_handle_id(&c->gwatch, g_source_remove);
        if (cw)
                c->cwatch = g_unix_fd_add(c->cfd, cw, on_client, c);
        if (gw)
                c->gwatch = g_unix_fd_add(c->gfd, gw, on_guest, c);
        if (!cw && !gw) /* nothing can happen any more */
                conn_drop(c);
}

EcivmDockerProxy *ecivm_docker_proxy_new(wire_mux *mux, const EcivmApiPolicy *policy)
{
        EcivmDockerProxy *p = g_new0(EcivmDockerProxy, 1);

        p->mux = mux;
        p->policy = *policy;
        p->policy.images = g_strdupv(policy->images);
        p->policy.commands = g_strdupv(policy->commands);
        p->conns = g_ptr_array_new_with_free_func((GDestroyNotify) conn_free);
        return p;
}

void ecivm_docker_proxy_set_origin(EcivmDockerProxy *p, EcivmApiOrigin origin)
{
        p->origin = origin;
}

void ecivm_docker_proxy_free(EcivmDockerProxy *p)
{
        if (!p)
                return;
        g_clear_handle_id(&p->trim, g_source_remove);
        g_ptr_array_unref(p->conns);
        g_strfreev(p->policy.images);
        g_strfreev(p->policy.commands);
        g_free(p);
}

gboolean ecivm_docker_proxy_add(EcivmDockerProxy *p, int fd)
{
        int sv[2];
        int64_t id;
        Conn *c;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
                close(fd);
                return FALSE;
        }
        id = wire_mux_open_stream(p->mux, sv[1]); /* the mux closes sv[1] on failure */
        if (id < 0) {
                close(sv[0]);
                close(fd);
                return FALSE;
        }
        c = g_new0(Conn, 1);
        c->proxy = p;
        c->cfd = fd;
        c->gfd = sv[0];
        c->cin = g_byte_array_new();
        c->to_guest = g_byte_array_new();
        c->to_client = g_byte_array_new();
        c->rin = g_byte_array_new();
        c->body = g_byte_array_new();
        g_queue_init(&c->pending);
        g_ptr_array_add(p->conns, c);
        conn_update(c);
        return TRUE;
}

void ecivm_docker_proxy_get_stats(const EcivmDockerProxy *p, EcivmDockerProxyStats *ret)
{
        *ret = p->stats;
        ret->live = p->conns->len;
}
