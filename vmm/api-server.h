#ifndef ECIVM_VMM_API_SERVER_H
#define ECIVM_VMM_API_SERVER_H

#include <glib.h>

#include "vm.h"

typedef struct _EcivmApiServer EcivmApiServer;

EcivmApiServer *ecivm_api_server_new(EcivmVm *vm, const char *path, const char *group, GError **error);
void ecivm_api_server_free(EcivmApiServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmApiServer, ecivm_api_server_free)

/* Reported in status replies so clients know the daemon ends with the VM. */
void ecivm_api_server_set_exit_when_stopped(EcivmApiServer *s, gboolean exit_when_stopped);

/* Before the daemon exits: deliver pending replies (bounded wait). */
void ecivm_api_server_flush(EcivmApiServer *s);

/* The VM changed state: answer requests that waited for the outcome. */
void ecivm_api_server_notify_state(EcivmApiServer *s);

#endif
