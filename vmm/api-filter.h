/* The Engine API filter (pure): a request head plus, for the endpoints that
 * need it, its body -> allow, or deny with the rule's message.  Defense in
 * depth with the ECI runtime in the guest: what the runtime would refuse
 * later is refused here before dockerd sees it.
 *
 * Rules (ECI on):
 *   POST /containers/create: HostConfig.{Pid,Network,Ipc,UTS,Cgroupns,Userns}Mode
 *     "host"; HostConfig.Devices; Binds/Mounts of the engine sockets or their
 *     parent directories unless Image is on the socket-mount allow-list
 *     (names and digests as given: digests are not resolved here).
 *   POST /containers/{id}/update: Devices.
 *   POST /volumes/create, and the volumes a create makes (VolumeDriver,
 *     Mounts[].VolumeOptions.DriverConfig): a driver other than local, driver
 *     options other than a tmpfs (type=tmpfs, device=tmpfs, o=size/mode/...).
 *   Those bodies first: anything dockerd could read otherwise (api-body.h),
 *     refused with 400.
 *   POST /build: networkmode=host; entitlements network.host/security.insecure.
 * Always: POST /images/load when blockDockerLoad is on.
 * ORIGIN_CONTAINER only: commandList (allow/deny with Docker's wildcards).
 * Paths are matched after percent-decoding and cleaning, with or without the
 * /v1.xx prefix.
 */
#ifndef ECIVM_VMM_API_FILTER_H
#define ECIVM_VMM_API_FILTER_H

#include <glib.h>

#include "http-parse.h"
#include "settings.h"

#define ECIVM_API_FILTER_MAX_BODY (4 * 1024 * 1024)

typedef enum {
        ECIVM_API_ORIGIN_HOST,      /* the host socket: the user's own CLI */
        ECIVM_API_ORIGIN_CONTAINER, /* a socket mounted into an allow-listed container */
} EcivmApiOrigin;

typedef struct {
        gboolean eci;
        gboolean block_docker_load;
        char **images; /* socket-mount allow-list */
        EcivmCommandListType command_list_type;
        char **commands;
} EcivmApiPolicy;

/* Borrowed pointers into S. */
void ecivm_api_policy_from_settings(EcivmApiPolicy *p, const EcivmSettings *s);

/* Does the decision need the request body? */
gboolean ecivm_api_filter_needs_body(const EcivmApiPolicy *p, const EcivmHttpHead *h);

/* NULL: allow.  Otherwise the message (without the "ecivm: " prefix the
 * response adds) and in *RET_STATUS the HTTP status: 400 for a body the
 * filter cannot be sure to read as dockerd does, 403 for a refusal by the
 * rules.  BODY is the de-chunked body when needs_body said so. */
char *ecivm_api_filter_check(const EcivmApiPolicy *p, EcivmApiOrigin origin, const EcivmHttpHead *h,
                             const char *body, gsize body_len, int *ret_status);

/* What the filter read from a create or volume-create body, in docker
 * inspect's terms ("PidMode=host NetworkMode=default ... Binds=[...]"), or
 * NULL: tests/integration/filter-diff.sh compares it with what dockerd made
 * of the same body. */
char *ecivm_api_filter_view(const EcivmHttpHead *h, const char *body, gsize len);

/* The whole HTTP/1.1 STATUS response: {"message":"ecivm: MESSAGE"}, Connection: close. */
char *ecivm_api_filter_deny_response(const char *message, int status);

/* Docker reference matching: does IMAGE match allow-list entry PATTERN
 * ("name:tag", "name:*", "name@sha256:...", "*")?  Names are normalised
 * (alpine -> docker.io/library/alpine:latest). */
gboolean ecivm_api_image_matches(const char *pattern, const char *image);

#endif
