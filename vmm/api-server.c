/* ecivmd's service socket: line-delimited JSON requests (api-proto.h) from
 * the CLI and the Desktop front end.  A bad request gets an error reply; an
 * oversized one also closes that client; the daemon and the VM go on. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "api-proto.h"
#include "api-server.h"
#include "docker-socket.h"
#include "error.h"

#define MAX_CLIENTS 128
#define MAX_PENDING_OUT (1024 * 1024)

typedef struct {
        EcivmApiServer *server;
        int fd;
        guint watch;
        GString *in;
        GString *out;
        gboolean closing; /* close once OUT is flushed */
} Client;

typedef struct {
        Client *client;
        gint64 id;
} Waiter;

struct _EcivmApiServer {
        EcivmVm *vm;
        char *path;
        int fd;
        guint watch;
        GPtrArray *clients; /* Client * */
        GPtrArray *waiters; /* Waiter * */
        gboolean exit_when_stopped;
};

static void client_rewatch(Client *c);

static void client_free(Client *c)
{
        EcivmApiServer *s = c->server;

        for (guint i = s->waiters->len; i > 0; i--) {
                Waiter *w = g_ptr_array_index(s->waiters, i - 1);
                if (w->client == c)
                        g_ptr_array_remove_index(s->waiters, i - 1);
        }
        g_clear_handle_id(&c->watch, g_source_remove);
        close(c->fd);
        g_string_free(c->in, TRUE);
        g_string_free(c->out, TRUE);
        g_free(c);
}

static void client_drop(Client *c)
{
        g_ptr_array_remove(c->server->clients, c); /* frees it */
}

static void client_send(Client *c, char *line)
{
        if (c->out->len + strlen(line) > MAX_PENDING_OUT) {
                c->closing = TRUE; /* a client that never reads loses its connection */
        } else {
                g_string_append(c->out, line);
        }
        g_free(line);
        client_rewatch(c);
}

static void reply_status(Client *c, gint64 id)
{
        g_autoptr(JsonNode) status = ecivm_vm_status_json(c->server->vm);
        JsonObject *daemon = json_object_new();

        json_object_set_int_member(daemon, "pid", getpid());
        json_object_set_boolean_member(daemon, "exitWhenStopped", c->server->exit_when_stopped);
        json_object_set_object_member(json_node_get_object(status), "daemon", daemon);
        client_send(c, ecivm_api_reply_ok(id, status));
}

static void wait_for_outcome(Client *c, gint64 id)
{
        Waiter *w = g_new0(Waiter, 1);

        w->client = c;
        w->id = id;
        g_ptr_array_add(c->server->waiters, w);
}

static gboolean param_bool(JsonObject *params, const char *name)
{
        JsonNode *n = json_object_get_member(params, name);
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN &&
               json_node_get_boolean(n);
}

static gboolean param_string(JsonObject *params, const char *name, const char **ret, GError **error)
{
        JsonNode *n = json_object_get_member(params, name);

        *ret = NULL;
        if (!n)
                return TRUE;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "params.%s: expected a string", name);
                return FALSE;
        }
        *ret = json_node_get_string(n);
        return TRUE;
}

static gboolean dispatch(Client *c, EcivmApiRequest *r, GError **error)
{
        EcivmVm *vm = c->server->vm;
        const char *accel = NULL;

        if (g_str_equal(r->method, "ping")) {
                client_send(c, ecivm_api_reply_ok(r->id, NULL));
                return TRUE;
        }
        if (g_str_equal(r->method, "status")) {
                reply_status(c, r->id);
                return TRUE;
        }
        if (g_str_equal(r->method, "start")) {
                if (!param_string(r->params, "accel", &accel, error) || !ecivm_vm_start(vm, accel, error))
                        return FALSE;
        } else if (!ecivm_vm_stop(vm, error)) {
                return FALSE;
        }
        if (param_bool(r->params, "wait") && !ecivm_vm_state_is_settled(ecivm_vm_get_state(vm)))
                wait_for_outcome(c, r->id);
        else
                reply_status(c, r->id);
        return TRUE;
}

static void handle_line(Client *c, const char *line, gsize len)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmApiRequest) r = NULL;
        gint64 id;

        r = ecivm_api_request_parse(line, len, &id, &error);
        if (r && dispatch(c, r, &error))
                return;
        g_message("api: refused request: %s", error->message);
        client_send(c, ecivm_api_reply_error(id, ecivm_api_error_code(error), error->message));
}

static void process_input(Client *c)
{
        char *nl;

        while (!c->closing && (nl = memchr(c->in->str, '\n', c->in->len))) {
                gsize len = (gsize) (nl - c->in->str);
                g_autofree char *line = g_strndup(c->in->str, len);

                g_string_erase(c->in, 0, (gssize) len + 1);
                handle_line(c, line, len);
        }
        if (c->in->len > ECIVM_API_MAX_LINE) {
                client_send(c, ecivm_api_reply_error(-1, "invalid", "request: line longer than 65536 bytes"));
                g_string_truncate(c->in, 0);
                c->closing = TRUE;
                client_rewatch(c);
        }
}

static gboolean client_read(Client *c)
{
        char buf[16384];
        ssize_t n = read(c->fd, buf, sizeof(buf));

        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        if (n == 0)
                return FALSE;
        g_string_append_len(c->in, buf, n);
        process_input(c);
        return TRUE;
}

static gboolean client_write(Client *c)
{
        ssize_t n = write(c->fd, c->out->str, c->out->len);

        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        g_string_erase(c->out, 0, n);
        return TRUE;
}

static gboolean on_client(gint fd, GIOCondition cond, gpointer user)
{
        Client *c = user;

        if ((cond & G_IO_OUT) && !client_write(c)) {
                client_drop(c);
                return G_SOURCE_REMOVE;
        }
        if ((cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && !c->closing && !client_read(c)) {
                client_drop(c);
                return G_SOURCE_REMOVE;
        }
        if (c->closing && c->out->len == 0) {
                client_drop(c);
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

static void client_rewatch(Client *c)
{
        GIOCondition want = (c->closing ? 0 : G_IO_IN) | (c->out->len ? G_IO_OUT : 0);

        g_clear_handle_id(&c->watch, g_source_remove);
        if (c->closing && c->out->len == 0)
                want = G_IO_OUT; /* wake once more to close */
        c->watch = g_unix_fd_add(c->fd, want, on_client, c);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user)
{
        EcivmApiServer *s = user;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        Client *c;

        if (cfd < 0)
                return G_SOURCE_CONTINUE;
        if (s->clients->len >= MAX_CLIENTS) {
                close(cfd);
                return G_SOURCE_CONTINUE;
        }
        c = g_new0(Client, 1);
        c->server = s;
        c->fd = cfd;
        c->in = g_string_new(NULL);
        c->out = g_string_new(NULL);
        g_ptr_array_add(s->clients, c);
        client_rewatch(c);
        return G_SOURCE_CONTINUE;
}

EcivmApiServer *ecivm_api_server_new(EcivmVm *vm, const char *path, const char *group, GError **error)
{
        int fd = ecivm_unix_listen(path, 0660, group, error);
        EcivmApiServer *s;

        if (fd < 0)
                return NULL;
        s = g_new0(EcivmApiServer, 1);
        s->vm = vm;
        s->path = g_strdup(path);
        s->fd = fd;
        s->clients = g_ptr_array_new_with_free_func((GDestroyNotify) client_free);
        s->waiters = g_ptr_array_new_with_free_func(g_free);
        s->watch = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
        return s;
}

void ecivm_api_server_set_exit_when_stopped(EcivmApiServer *s, gboolean exit_when_stopped)
{
        s->exit_when_stopped = exit_when_stopped;
}

void ecivm_api_server_notify_state(EcivmApiServer *s)
{
        EcivmVmState state = ecivm_vm_get_state(s->vm);

        if (!ecivm_vm_state_is_settled(state))
                return;
        while (s->waiters->len > 0) {
                Waiter *w = g_ptr_array_index(s->waiters, 0);
                Client *c = w->client;
                gint64 id = w->id;

                g_ptr_array_remove_index(s->waiters, 0);
                reply_status(c, id);
        }
}

void ecivm_api_server_flush(EcivmApiServer *s)
{
        for (guint i = 0; i < s->clients->len; i++) {
                Client *c = g_ptr_array_index(s->clients, i);

                while (c->out->len > 0) {
                        struct pollfd p = { .fd = c->fd, .events = POLLOUT };
                        if (poll(&p, 1, 1000) <= 0 || !client_write(c))
                                break;
                }
        }
}

void ecivm_api_server_free(EcivmApiServer *s)
{
        if (!s)
                return;
        g_source_remove(s->watch);
        close(s->fd);
        (void) unlink(s->path);
        g_ptr_array_unref(s->waiters);
        g_ptr_array_unref(s->clients);
        g_free(s->path);
        g_free(s);
}
