/* The bench's third guest mode: the raw port relayed, without framing, to a
 * socketpair whose other end a wire-bench server serves.  It has the mux
 * mode's extra hop (a local socket and two more copies in the guest) but
 * not the mux, so raw -> relay -> mux splits the cost in two. */
#ifndef ECIVM_WIRE_BENCH_RELAY_H
#define ECIVM_WIRE_BENCH_RELAY_H

#include "wire-bench.h"

/* Serves PORT (made non-blocking) until the host hangs up (0) or sends
 * WB_QUIT (1); -errno on failure. */
int wb_relay_serve(int port);

#endif
