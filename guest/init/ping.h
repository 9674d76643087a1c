/* dockerd readiness: GET /_ping on its unix socket, without blocking the
 * loop (dockerd listens before it answers, so a reply can take seconds). */
#ifndef ECIVM_INIT_PING_H
#define ECIVM_INIT_PING_H

#include <stddef.h>
#include <stdint.h>

struct docker_ping {
        int fd;
        uint64_t deadline;
        size_t have;
        char reply[16];
};

void docker_ping_init(struct docker_ping *p);
/* Connects and sends the request; -ENOENT/-ECONNREFUSED while dockerd
 * is not listening yet.  On success, wait for POLLIN on p->fd. */
int docker_ping_start(struct docker_ping *p, const char *socket_path, uint64_t deadline);
/* 1: dockerd answered 200; 0: wait for more; -errno: this attempt is over. */
int docker_ping_read(struct docker_ping *p);
void docker_ping_stop(struct docker_ping *p);

#endif
