/* A minimal Docker Engine API client for the CLI's own probes (ecivm
 * security-report): one request per connection, JSON in and out. */
#ifndef ECIVM_VMM_DOCKER_CLIENT_H
#define ECIVM_VMM_DOCKER_CLIENT_H

#include <glib.h>

#define ECIVM_DOCKER_CLIENT_MAX_REPLY (1024 * 1024)

/* METHOD PATH with BODY (JSON, or NULL) on the unix socket SOCKET_PATH;
 * *RET_STATUS and *RET_BODY (de-chunked, NUL-terminated) on an answer. */
gboolean ecivm_docker_call(const char *socket_path, const char *method, const char *path, const char *body,
                           guint *ret_status, char **ret_body, GError **error);

#endif
