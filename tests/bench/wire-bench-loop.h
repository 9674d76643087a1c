/* A poll() loop around one wire_mux whose streams end in socketpairs served
 * by wire-bench endpoints in the same loop: the guest side gets a server
 * endpoint per stream the peer opens, the host side opens client streams. */
#ifndef ECIVM_WIRE_BENCH_LOOP_H
#define ECIVM_WIRE_BENCH_LOOP_H

#include <stdio.h>

#include "mux.h"
#include "wire-bench.h"

#define WB_MAX_FD 256

struct wb_loop;
/* An endpoint finished with R (see wb_step); the loop then closes its fd. */
typedef void (*wb_done_fn)(struct wb_loop *l, const struct wb_endpoint *e, int r);

struct wb_loop_stats {
        uint64_t polls;
        uint64_t channel_events; /* each is one read() and/or write() by the mux */
        uint64_t stream_events;  /* mux-owned stream fds */
        uint64_t endpoint_events;
};

struct wb_loop {
        wire_mux *mux;
        int channel;
        short mux_events[WB_MAX_FD];
        struct wb_endpoint *ep[WB_MAX_FD];
        bool channel_up;
        int channel_err;
        wb_done_fn done;
        void *user;
        struct wb_loop_stats stats;
};

struct wb_loop *wb_loop_new(wb_done_fn done, void *user);
struct wb_loop *wb_loop_free(struct wb_loop *l);
/* The loop owns FD (non-blocking) from now on, also on failure. */
int wb_loop_attach(struct wb_loop *l, int fd, bool send_hello);
/* Opens a mux stream carrying one client request. */
int wb_loop_open_client(struct wb_loop *l, uint32_t op, uint64_t length);
/* One line of the loop's and the mux's counters on F. */
void wb_loop_print_stats(const struct wb_loop *l, const char *who, FILE *f);
/* One poll() and dispatch; 0, or -errno if poll failed. */
int wb_loop_run_once(struct wb_loop *l, int timeout_ms);

#endif
