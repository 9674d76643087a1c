/* The filtering relay between one host Docker socket client and its mux
 * stream.  Every request on the connection (keep-alive and pipelined ones
 * included) is parsed (vmm/http-parse.h) and checked (vmm/api-filter.h)
 * before a byte of it goes on; allowed bytes pass unchanged, bodies stream
 * except for the few endpoints whose body the filter reads (buffered up to
 * ECIVM_API_FILTER_MAX_BODY).  Responses are tracked only to find where an
 * upgrade (101, or a raw-stream 200 to attach/exec start) turns the
 * connection into raw bytes both ways; they are copied unchanged.  A denied
 * request gets a 403 with {"message": ...} once earlier responses are out,
 * and the connection is closed. */
#ifndef ECIVM_VMM_DOCKER_PROXY_H
#define ECIVM_VMM_DOCKER_PROXY_H

#include <glib.h>

#include "api-filter.h"
#include "mux.h"

typedef struct _EcivmDockerProxy EcivmDockerProxy;

/* POLICY is copied. */
EcivmDockerProxy *ecivm_docker_proxy_new(wire_mux *mux, const EcivmApiPolicy *policy);
void ecivm_docker_proxy_free(EcivmDockerProxy *p); /* drops every connection */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmDockerProxy, ecivm_docker_proxy_free)

/* Whose requests these are (default: the host socket's user). */
void ecivm_docker_proxy_set_origin(EcivmDockerProxy *p, EcivmApiOrigin origin);

/* Adopt an accepted, non-blocking client FD (closed on failure). */
gboolean ecivm_docker_proxy_add(EcivmDockerProxy *p, int fd);

typedef struct {
        guint64 requests;
        guint64 denied;
        guint live;
} EcivmDockerProxyStats;

void ecivm_docker_proxy_get_stats(const EcivmDockerProxy *p, EcivmDockerProxyStats *ret);

#endif
