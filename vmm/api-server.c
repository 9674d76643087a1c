/* ecivmd's service socket: line-delimited JSON requests (api-proto.h) from
 * the CLI and the Desktop front end.  A bad request gets an error reply; an
 * oversized one also closes that client; the daemon and the VM go on. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "api-admit.h"
#include "api-proto.h"
#include "api-server.h"
#include "docker-socket.h"
#include "error.h"
#include "vm-settings.h"
#include "logs.h"
#include "user-input.h"

#define MAX_PENDING_OUT (1024 * 1024)
#define IDLE_SWEEP_S 5
#define LINES_PER_WAKEUP 16   /* then the other clients and the guest get the loop */
#define ATTESTS_PER_CLIENT 4u /* in flight on one connection */
#define ATTESTS_IN_FLIGHT 32u /* in all */
#define REFUSALS_LOGGED_PER_S 10

typedef struct {
        EcivmApiServer *server;
        int fd;
        uid_t uid; /* SO_PEERCRED; (uid_t) -1 when unknown */
        gint64 last_request; /* monotonic µs: connected, or the last complete line */
        guint watch;
        GString *in;
        GString *out;
        gboolean closing; /* close once OUT is flushed */
        gboolean subscribed;
        char *follow_path; /* logs --follow */
        char *follow_source;
        goffset follow_offset;
        guint follow_timer;
        guint more; /* idle: complete lines left after LINES_PER_WAKEUP */
} Client;

typedef struct {
        Client *client;
        gint64 id;
        guint attest; /* in attests: the VM's handle of the pending attestation */
} Waiter;

struct _EcivmApiServer {
        EcivmVm *vm;
        char *path;
        int fd;
        guint watch;
        GPtrArray *clients; /* Client * */
        GPtrArray *waiters; /* Waiter * */
        GPtrArray *attests; /* Waiter *: attest replies deferred until the guest answers */
        gboolean exit_when_stopped;
        EcivmApiLimits limits;
        guint idle_sweep;
        EcivmLogBudget refusal_log; /* refused connections and requests */
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
        for (guint i = s->attests->len; i > 0; i--) {
                Waiter *w = g_ptr_array_index(s->attests, i - 1);
                if (w->client == c) {
                        ecivm_vm_attest_abandon(s->vm, w->attest);
                        g_ptr_array_remove_index(s->attests, i - 1);
                }
        }
        g_clear_handle_id(&c->watch, g_source_remove);
        g_clear_handle_id(&c->follow_timer, g_source_remove);
        g_clear_handle_id(&c->more, g_source_remove);
        g_free(c->follow_path);
        g_free(c->follow_source);
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

/* Event lines carry no id: {"v":1,"event":KIND,…}\n */
static JsonBuilder *event_begin(const char *kind)
{
        JsonBuilder *b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "v");
        json_builder_add_int_value(b, ECIVM_API_VERSION);
        json_builder_set_member_name(b, "event");
        json_builder_add_string_value(b, kind);
        return b;
}

static char *event_end(JsonBuilder *b)
{
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *text = NULL;

        json_builder_end_object(b);
        root = json_builder_get_root(b);
        text = json_to_string(root, FALSE);
        g_object_unref(b);
        return g_strconcat(text, "\n", NULL);
}

static char *log_event(const char *source, const char *line)
{
        JsonBuilder *b = event_begin("log");

        json_builder_set_member_name(b, "source");
        json_builder_add_string_value(b, source);
        json_builder_set_member_name(b, "line");
        json_builder_add_string_value(b, line);
        return event_end(b);
}

static gboolean on_follow_tick(gpointer user)
{
        Client *c = user;
        g_auto(GStrv) lines = ecivm_logs_read_new(c->follow_path, &c->follow_offset);

        for (guint i = 0; lines[i] && !c->closing; i++)
                client_send(c, log_event(c->follow_source, lines[i]));
        return G_SOURCE_CONTINUE;
}

static gboolean reply_logs(Client *c, EcivmApiRequest *r, GError **error)
{
        const char *source = NULL;
        JsonNode *n = json_object_get_member(r->params, "lines");
        gint64 want = 100;
        g_autofree char *path = NULL;
        g_auto(GStrv) lines = NULL;
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) result = NULL;
        goffset end;

        if (!param_string(r->params, "source", &source, error))
                return FALSE;
        if (n && (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
                  json_node_get_int(n) < 0 || json_node_get_int(n) > ECIVM_LOGS_MAX_LINES)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "params.lines: expected 0..%d",
                            ECIVM_LOGS_MAX_LINES);
                return FALSE;
        }
        if (n)
                want = json_node_get_int(n);
        source = source ? source : "console";
        path = ecivm_logs_path(ecivm_vm_get_state_dir(c->server->vm), source, error);
        if (!path || !(lines = ecivm_logs_tail(path, (guint) want, &end, error)))
                return FALSE;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "source");
        json_builder_add_string_value(b, source);
        json_builder_set_member_name(b, "lines");
        json_builder_begin_array(b);
        for (guint i = 0; lines[i]; i++)
                json_builder_add_string_value(b, lines[i]);
        json_builder_end_array(b);
        json_builder_end_object(b);
        result = json_builder_get_root(b);
        client_send(c, ecivm_api_reply_ok(r->id, result));
        if (param_bool(r->params, "follow") && !c->follow_timer) {
                c->follow_path = g_steal_pointer(&path);
                c->follow_source = g_strdup(source);
                c->follow_offset = end;
                c->follow_timer = g_timeout_add(250, on_follow_tick, c);
        }
        return TRUE;
}

static void on_attested(EcivmVm *vm, JsonNode *result, const GError *error, gpointer user)
{
        Waiter *w = user;
        EcivmApiServer *s = w->client->server;

        if (result)
                client_send(w->client, ecivm_api_reply_ok(w->id, result));
        else
                client_send(w->client, ecivm_api_reply_error(w->id, ecivm_api_error_code(error), error->message));
        g_ptr_array_remove(s->attests, w);
}

/* The reply waits for the guest's evidence (vm-attest.c). */
static gboolean start_attest(Client *c, EcivmApiRequest *r, GError **error)
{
        EcivmApiServer *s = c->server;
        const char *nonce = NULL;
        guint mine = 0;
        Waiter *w;

        for (guint i = 0; i < s->attests->len; i++)
                if (((Waiter *) g_ptr_array_index(s->attests, i))->client == c)
                        mine++;
        if (mine >= ATTESTS_PER_CLIENT || s->attests->len >= ATTESTS_IN_FLIGHT) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED,
                            "attest: %u attestations in flight%s (at most %u per connection, %u in all): retry "
                            "when one is answered",
                            mine >= ATTESTS_PER_CLIENT ? mine : s->attests->len,
                            mine >= ATTESTS_PER_CLIENT ? " on this connection" : "", ATTESTS_PER_CLIENT,
                            ATTESTS_IN_FLIGHT);
                return FALSE;
        }
        w = g_new0(Waiter, 1);

        w->client = c;
        w->id = r->id;
        if (!param_string(r->params, "nonce", &nonce, error) ||
            !(w->attest = ecivm_vm_attest(c->server->vm, nonce, on_attested, w, error))) {
                g_free(w);
                return FALSE;
        }
        g_ptr_array_add(c->server->attests, w);
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
        if (g_str_equal(r->method, "logs"))
                return reply_logs(c, r, error);
        if (g_str_equal(r->method, "attest"))
                return start_attest(c, r, error);
        if (g_str_has_prefix(r->method, "settings-")) {
                g_autoptr(JsonNode) result = ecivm_vm_settings_call(vm, r->method, r->params, error);
                if (result)
                        client_send(c, ecivm_api_reply_ok(r->id, result));
                return result != NULL;
        }
        if (g_str_equal(r->method, "start")) {
                if (!param_string(r->params, "accel", &accel, error) || !ecivm_vm_start(vm, accel, error))
                        return FALSE;
        } else if (g_str_equal(r->method, "subscribe")) {
                c->subscribed = TRUE;
                reply_status(c, r->id);
                return TRUE;
        } else if (g_str_equal(r->method, "restart")) {
                if (!ecivm_vm_restart(vm, error))
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

static const char *quiet_note(guint quiet)
{
        static char note[64];

        if (quiet == 0)
                return "";
        g_snprintf(note, sizeof(note), " (and %u refusals not logged)", quiet);
        return note;
}

static void handle_line(Client *c, const char *line, gsize len)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmApiRequest) r = NULL;
        gint64 id;
        guint quiet;

        r = ecivm_api_request_parse(line, len, &id, &error);
        if (r && dispatch(c, r, &error))
                return;
        if (ecivm_log_budget_take(&c->server->refusal_log, g_get_monotonic_time(), REFUSALS_LOGGED_PER_S, &quiet)) {
                g_autofree char *shown = ecivm_escape_bounded(error->message, -1, ECIVM_LOG_LINE_MAX);
                g_message("api: refused request: %s%s", shown, quiet_note(quiet));
        }
        client_send(c, ecivm_api_reply_error(id, ecivm_api_error_code(error), error->message));
}

static void process_input(Client *c);

static gboolean on_more_input(gpointer user)
{
        Client *c = user;

        c->more = 0;
        process_input(c);
        client_rewatch(c); /* reading again, or closing */
        return G_SOURCE_REMOVE;
}

static void process_input(Client *c)
{
        guint lines = 0;
        char *nl;

        while (!c->closing && lines++ < LINES_PER_WAKEUP && (nl = memchr(c->in->str, '\n', c->in->len))) {
                gsize len = (gsize) (nl - c->in->str);
                g_autofree char *line = g_strndup(c->in->str, len);

                g_string_erase(c->in, 0, (gssize) len + 1);
                c->last_request = g_get_monotonic_time();
                handle_line(c, line, len);
        }
        if (!c->closing && memchr(c->in->str, '\n', c->in->len)) {
                /* a pipelined flood: the rest after the others (and the guest) had their turn;
                 * no reading meanwhile (client_rewatch) */
                if (!c->more)
                        c->more = g_idle_add_full(G_PRIORITY_DEFAULT, on_more_input, c, NULL);
                client_rewatch(c);
                return;
        }
        if (c->in->len > ECIVM_API_MAX_LINE) {
                client_send(c, ecivm_api_reply_error(-1, "invalid",
                                                     "request: line longer than " G_STRINGIFY(
                                                             ECIVM_API_MAX_LINE_BYTES) " bytes"));
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
        gboolean had_output = c->out->len > 0;

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
        /* all sent: stop asking for writability, or a long-lived client
         * (subscribe, logs --follow) spins the loop and starves idles */
        if (had_output && c->out->len == 0)
                client_rewatch(c);
        return G_SOURCE_CONTINUE;
}

static void client_rewatch(Client *c)
{
        GIOCondition want = (c->closing || c->more ? 0 : G_IO_IN) | (c->out->len ? G_IO_OUT : 0);

        g_clear_handle_id(&c->watch, g_source_remove);
        if (c->closing && c->out->len == 0)
                want = G_IO_OUT; /* wake once more to close */
        c->watch = g_unix_fd_add(c->fd, want, on_client, c);
}

static uid_t peer_uid(int fd)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
                return (uid_t) -1;
        return cred.uid;
}

/* One error line (the client's request, if sent, is read and dropped so
 * it sees the reply rather than a reset), then the connection ends. */
static void refuse_connection(EcivmApiServer *s, int fd, EcivmAdmit why, uid_t uid)
{
        g_autofree char *message = ecivm_api_admit_message(why, &s->limits, uid);
        g_autofree char *line = ecivm_api_reply_error(-1, "refused", message);
        char buf[4096];
        guint quiet;

        if (ecivm_log_budget_take(&s->refusal_log, g_get_monotonic_time(), REFUSALS_LOGGED_PER_S, &quiet))
                g_message("api: connection from uid %d refused: %s%s", (int) uid, message, quiet_note(quiet));
        for (int i = 0; i < 16 && read(fd, buf, sizeof(buf)) > 0; i++) /* what was sent, not what keeps coming */
                ;
        (void) send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
        close(fd);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user)
{
        EcivmApiServer *s = user;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        guint same_uid = 0;
        EcivmAdmit admit;
        uid_t uid;
        Client *c;

        if (cfd < 0)
                return G_SOURCE_CONTINUE;
        uid = peer_uid(cfd);
        for (guint i = 0; i < s->clients->len; i++)
                if (((Client *) g_ptr_array_index(s->clients, i))->uid == uid)
                        same_uid++;
        admit = ecivm_api_admit(&s->limits, uid, s->clients->len, same_uid);
        if (admit != ECIVM_ADMIT_OK) {
                refuse_connection(s, cfd, admit, uid);
                return G_SOURCE_CONTINUE;
        }
        c = g_new0(Client, 1);
        c->server = s;
        c->fd = cfd;
        c->uid = uid;
        c->last_request = g_get_monotonic_time();
        c->in = g_string_new(NULL);
        c->out = g_string_new(NULL);
        g_ptr_array_add(s->clients, c);
        client_rewatch(c);
        return G_SOURCE_CONTINUE;
}

/* A request in flight, a subscription or a log follower keeps a client. */
static gboolean client_busy(EcivmApiServer *s, Client *c)
{
        if (c->subscribed || c->follow_timer || c->more || c->out->len > 0 || c->closing)
                return TRUE;
        for (guint i = 0; i < s->waiters->len; i++)
                if (((Waiter *) g_ptr_array_index(s->waiters, i))->client == c)
                        return TRUE;
        for (guint i = 0; i < s->attests->len; i++)
                if (((Waiter *) g_ptr_array_index(s->attests, i))->client == c)
                        return TRUE;
        return FALSE;
}

static gboolean on_idle_sweep(gpointer user)
{
        EcivmApiServer *s = user;
        gint64 now = g_get_monotonic_time();

        for (guint i = s->clients->len; i > 0; i--) {
                Client *c = g_ptr_array_index(s->clients, i - 1);

                if (ecivm_api_idle_expired(&s->limits, now, c->last_request, client_busy(s, c))) {
                        g_debug("api: closing a client of uid %d idle for %u s", (int) c->uid,
                                s->limits.idle_timeout_s);
                        g_ptr_array_remove_index(s->clients, i - 1);
                }
        }
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
        s->attests = g_ptr_array_new_with_free_func(g_free);
        s->limits = (EcivmApiLimits) ECIVM_API_LIMITS_DEFAULT;
        s->watch = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
        s->idle_sweep = g_timeout_add_seconds(IDLE_SWEEP_S, on_idle_sweep, s);
        return s;
}

void ecivm_api_server_set_exit_when_stopped(EcivmApiServer *s, gboolean exit_when_stopped)
{
        s->exit_when_stopped = exit_when_stopped;
}

static void send_event(EcivmApiServer *s)
{
        g_autoptr(JsonNode) status = ecivm_vm_status_json(s->vm);
        JsonObject *o = json_node_get_object(status);
        JsonBuilder *b = event_begin("state");
        g_autofree char *line = NULL;

        for (const char *const *k = (const char *const[]) { "state", "reason", "since", NULL }; *k; k++) {
                if (!json_object_has_member(o, *k))
                        continue;
                json_builder_set_member_name(b, *k);
                json_builder_add_string_value(b, json_object_get_string_member(o, *k));
        }
        line = event_end(b);
        for (guint i = 0; i < s->clients->len; i++) {
                Client *c = g_ptr_array_index(s->clients, i);
                if (c->subscribed && !c->closing)
                        client_send(c, g_strdup(line));
        }
}

void ecivm_api_server_notify_state(EcivmApiServer *s)
{
        EcivmVmState state = ecivm_vm_get_state(s->vm);

        send_event(s);
        if (!ecivm_vm_state_is_settled(state) || (state == ECIVM_VM_STOPPED && ecivm_vm_is_restarting(s->vm)))
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
        g_clear_handle_id(&s->idle_sweep, g_source_remove);
        close(s->fd);
        (void) unlink(s->path);
        g_ptr_array_unref(s->waiters);
        g_ptr_array_unref(s->clients); /* abandons their pending attestations */
        g_ptr_array_unref(s->attests);
        g_free(s->path);
        g_free(s);
}
