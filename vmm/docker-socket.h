/* The host's Docker socket: each accepted connection becomes one stream on
 * the Docker port's mux. */
#ifndef ECIVM_VMM_DOCKER_SOCKET_H
#define ECIVM_VMM_DOCKER_SOCKET_H

#include <glib.h>

#include "api-filter.h"
#include "mux.h"

typedef struct _EcivmDockerSocket EcivmDockerSocket;

/* Binds PATH (mode 0660, group GROUP if it exists, else 0600 root). */
EcivmDockerSocket *ecivm_docker_socket_new(const char *path, const char *group, wire_mux *mux, GError **error);
void ecivm_docker_socket_free(EcivmDockerSocket *s); /* unlinks PATH */
/* The Engine API filter's policy (default: ECI on, no allow-list). */
/* A stream the guest opened for a container that may use the engine
 * (mux open_stream): returns the fd for the mux, or -errno. */
int ecivm_docker_socket_open_guest_stream(EcivmDockerSocket *s, guint32 id);
void ecivm_docker_socket_set_policy(EcivmDockerSocket *s, const EcivmApiPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmDockerSocket, ecivm_docker_socket_free)

/* Bind a listening unix socket with MODE and GROUP (shared with the API socket). */
int ecivm_unix_listen(const char *path, mode_t mode, const char *group, GError **error);

#endif
