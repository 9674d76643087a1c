/* A poll() set that the mux engine's watch callback keeps up to date. */
#ifndef ECIVM_POLLSET_H
#define ECIVM_POLLSET_H

#include <poll.h>

#include "mux.h"

struct pollset {
        struct pollfd *fds;
        unsigned n, cap;
};

/* EVENTS 0 removes FD. */
void pollset_set(struct pollset *ps, int fd, short events);
/* Hand every ready fd to the mux; safe against the set changing meanwhile. */
void pollset_dispatch(struct pollset *ps, wire_mux *mux);

#endif
