/* Drives a wire_mux from the GLib main loop: one GSource holds a tag per fd
 * the engine watches, so the daemon keeps a single GMainLoop. */
#ifndef ECIVM_VMM_MUX_SOURCE_H
#define ECIVM_VMM_MUX_SOURCE_H

#include <glib.h>

#include "mux.h"

typedef struct _EcivmMuxSource EcivmMuxSource;

typedef struct {
        /* a stream the peer opened (on the host: a container's engine connection) */
        int (*open_stream)(gpointer user, guint32 id);
        void (*channel_down)(gpointer user, int err);
        void (*control)(gpointer user, const struct wire_control *c);
} EcivmMuxCallbacks;

EcivmMuxSource *ecivm_mux_source_new(const EcivmMuxCallbacks *cb, gpointer user);
void ecivm_mux_source_free(EcivmMuxSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmMuxSource, ecivm_mux_source_free)

wire_mux *ecivm_mux_source_get_mux(EcivmMuxSource *src);
/* The control port (heartbeats, evidence) goes ahead of client requests:
 * G_PRIORITY_HIGH there, the default elsewhere. */
void ecivm_mux_source_set_priority(EcivmMuxSource *src, int priority);

#endif
