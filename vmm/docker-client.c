#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "docker-client.h"
#include "error.h"

#define TIMEOUT_S 120 /* a probe container's whole life under TCG */

static gboolean dechunk(GString *body, GError **error)
{
        g_autoptr(GString) out = g_string_new(NULL);
        const char *p = body->str, *end = body->str + body->len;

        for (;;) {
                char *after;
                guint64 n = g_ascii_strtoull(p, &after, 16);
                const char *line_end = g_strstr_len(p, end - p, "\r\n");

                if (!line_end || after == p || n > (guint64) (end - line_end - 2)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "Docker API: bad chunked body");
                        return FALSE;
                }
                if (n == 0)
                        break;
                g_string_append_len(out, line_end + 2, (gssize) n);
                p = line_end + 2 + n + 2;
                if (p > end) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "Docker API: truncated chunk");
                        return FALSE;
                }
        }
        g_string_assign(body, out->str);
        return TRUE;
}

static gboolean parse_reply(GString *raw, guint *ret_status, char **ret_body, GError **error)
{
        const char *head_end = strstr(raw->str, "\r\n\r\n");
        g_autofree char *head = NULL;
        g_autoptr(GString) body = NULL;
        guint status = 0;

        if (head_end && (g_str_has_prefix(raw->str, "HTTP/1.1 ") || g_str_has_prefix(raw->str, "HTTP/1.0 ")))
                status = (guint) g_ascii_strtoull(raw->str + 9, NULL, 10);
        if (!head_end || status < 100 || status > 599) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "Docker API: not an HTTP response");
                return FALSE;
        }
        head = g_ascii_strdown(raw->str, head_end - raw->str);
        body = g_string_new_len(head_end + 4, (gssize) (raw->len - (gsize) (head_end + 4 - raw->str)));
        if (strstr(head, "\r\ntransfer-encoding: chunked") && !dechunk(body, error))
                return FALSE;
        *ret_status = status;
        *ret_body = g_string_free(g_steal_pointer(&body), FALSE);
        return TRUE;
}

gboolean ecivm_docker_call(const char *socket_path, const char *method, const char *path, const char *body,
                           guint *ret_status, char **ret_body, GError **error)
{
        g_autoptr(GSocketClient) client = g_socket_client_new();
        g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(socket_path);
        g_autoptr(GSocketConnection) conn = NULL;
        g_autofree char *request = g_strdup_printf("%s %s HTTP/1.1\r\nHost: ecivm\r\nConnection: close\r\n"
                                                   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                                   method, path, body ? strlen(body) : 0, body ? body : "");
        g_autoptr(GString) raw = g_string_new(NULL);
        char buf[16384];

        g_socket_client_set_timeout(client, TIMEOUT_S);
        conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, error);
        if (!conn || !g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), request,
                                                strlen(request), NULL, NULL, error))
                return FALSE;
        for (;;) {
                gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf, sizeof(buf), NULL,
                                               error);
                if (n < 0)
                        return FALSE;
                if (n == 0)
                        break;
                if (raw->len + (gsize) n > ECIVM_DOCKER_CLIENT_MAX_REPLY) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "Docker API: reply over %d bytes",
                                    ECIVM_DOCKER_CLIENT_MAX_REPLY);
                        return FALSE;
                }
                g_string_append_len(raw, buf, n);
        }
        return parse_reply(raw, ret_status, ret_body, error);
}
