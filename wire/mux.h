/* ecivm stream multiplexer: many byte streams (local sockets) over one
 * channel fd (a virtio-serial port in the guest, QEMU's chardev socket on
 * the host), with per-stream credit flow control and half-close.
 *
 * The engine owns no event loop.  It tells the caller which fds it wants to
 * hear about through ops->watch(fd, events) (events 0 = forget the fd) and
 * the caller calls wire_mux_handle(fd, revents) when poll() or GLib says so.
 * All fds must be non-blocking; the engine closes stream fds it owns.
 */
#ifndef ECIVM_MUX_H
#define ECIVM_MUX_H

#include <stdint.h>
#include <stddef.h>

#include "wire.h"

typedef struct wire_mux wire_mux;

struct wire_mux_ops {
        /* Interest for FD changed to EVENTS (POLLIN/POLLOUT bits, 0 = remove). */
        void (*watch)(void *user, int fd, short events);
        /* Peer asked to open stream ID (guest side): return a connected,
         * non-blocking fd, or -errno to refuse (a RESET is sent). */
        int (*open_stream)(void *user, uint32_t id);
        /* The channel died (EOF/error/protocol error): every stream was
         * dropped; the caller decides whether to reconnect.  ERR is -errno. */
        void (*channel_down)(void *user, int err);
        /* Optional: CONTROL frame arrived (mux used on a control port). */
        void (*control)(void *user, const struct wire_control *c);
};

struct wire_mux_stats {
        uint64_t streams_opened;
        uint64_t streams_closed;
        uint64_t bytes_to_channel;
        uint64_t bytes_from_channel;
        uint64_t resets_sent;
        unsigned streams_live;
};

wire_mux *wire_mux_new(const struct wire_mux_ops *ops, void *user);
wire_mux *wire_mux_free(wire_mux *m); /* closes every fd it owns; returns NULL */

/* Attach the channel fd (engine owns it from now on).  If SEND_HELLO, a
 * HELLO frame starts the session (the host does this on each connect). */
int wire_mux_attach_channel(wire_mux *m, int fd, int send_hello);
/* Drop the channel and all streams (closes fds). */
void wire_mux_detach_channel(wire_mux *m);
int wire_mux_has_channel(const wire_mux *m);

/* Either side: adopt connected local FD as a new stream; sends OPEN.
 * Returns the stream id (> 0) or -errno (fd is closed on failure). */
int64_t wire_mux_open_stream(wire_mux *m, int fd);

/* Stream ids are split so both sides can open without colliding: the host's
 * are below WIRE_GUEST_STREAM_BIT, the guest's have it set (the guest opens
 * a stream for a container that may use the Engine API: the host filters it
 * and relays it back to dockerd).  An OPEN in the wrong half is a protocol
 * error.  The default is the host's half; the guest calls this once. */
#define WIRE_GUEST_STREAM_BIT 0x80000000u
void wire_mux_set_guest_side(wire_mux *m);

/* Queue a CONTROL message on stream 0. */
int wire_mux_send_control(wire_mux *m, const struct wire_control *c);

/* Dispatch an event for FD (the channel or a stream fd). */
void wire_mux_handle(wire_mux *m, int fd, short revents);

void wire_mux_get_stats(const wire_mux *m, struct wire_mux_stats *ret);

#endif
