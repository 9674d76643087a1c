/* libvirt's event loop on GLib: virEventRegisterImpl with handle and timeout
 * callbacks backed by GSources on the default main context, so a daemon
 * keeps one GMainLoop (what libvirt-glib does, without the dependency). */
#ifndef ECIVM_VMM_LIBVIRT_EVENT_H
#define ECIVM_VMM_LIBVIRT_EVENT_H

/* Idempotent; must run before the first virConnectOpen. */
void ecivm_libvirt_event_register(void);

#endif
