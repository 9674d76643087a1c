#include "config.h"

#include <unistd.h>

#include <gmodule.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "backend-libvirt.h"
#include "error.h"
#include "libvirt-channel.h"
#include "libvirt-event.h"
#include "libvirt-module.h"
#include "wire.h"

#define CHANNEL_OPEN_TIMEOUT_US (10 * G_USEC_PER_SEC)

struct _EcivmLibvirtVm {
        virConnectPtr conn;
        virDomainPtr dom;
        EcivmLibvirtChannel *control, *docker;
        int lifecycle_id;
        gboolean close_registered;
        char *description;
        EcivmLibvirtStoppedFunc on_stopped;
        gpointer user;
        char *stop_reason; /* set once */
        guint notify_idle;
};

/* libvirt would print every error on stderr; ecivmd reports them itself. */
static void quiet_errors(void *unused, virErrorPtr err)
{
}

void ecivm_libvirt_event_init(void)
{
        static gsize done = 0;

        if (g_once_init_enter(&done)) {
                virInitialize();
                virSetErrorFunc(NULL, quiet_errors);
                ecivm_libvirt_event_register();
                g_once_init_leave(&done, 1);
        }
}

static gboolean fail(GError **error, const char *what)
{
        const char *msg = virGetLastErrorMessage();

        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "libvirt: %s: %s", what, msg ? msg : "unknown error");
        return FALSE;
}

static gboolean notify_stopped(gpointer user)
{
        EcivmLibvirtVm *lv = user;

        lv->notify_idle = 0;
        if (lv->on_stopped)
                lv->on_stopped(lv, lv->stop_reason, lv->user);
        return G_SOURCE_REMOVE;
}

/* Reported from an idle so the callback may free LV. */
static void stopped(EcivmLibvirtVm *lv, char *reason)
{
        if (lv->stop_reason != NULL) {
                g_free(reason);
                return;
        }
        g_message("vm: %s: %s", lv->description, reason);
        lv->stop_reason = reason;
        lv->notify_idle = g_idle_add(notify_stopped, lv);
}

static const char *stopped_detail(int detail)
{
        switch (detail) {
        case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: return "shut down (guest powered off)";
        case VIR_DOMAIN_EVENT_STOPPED_DESTROYED: return "destroyed";
        case VIR_DOMAIN_EVENT_STOPPED_CRASHED: return "crashed";
        case VIR_DOMAIN_EVENT_STOPPED_MIGRATED: return "migrated away";
        case VIR_DOMAIN_EVENT_STOPPED_SAVED: return "saved";
        case VIR_DOMAIN_EVENT_STOPPED_FAILED: return "failed (QEMU ended)";
        case VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT: return "reverted to a snapshot";
        default: return "stopped";
        }
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
        EcivmLibvirtVm *lv = opaque;

        if (event == VIR_DOMAIN_EVENT_STOPPED)
                stopped(lv, g_strdup_printf("libvirt: domain %s", stopped_detail(detail)));
        else if (event == VIR_DOMAIN_EVENT_CRASHED)
                stopped(lv, g_strdup("libvirt: domain crashed (guest panic)"));
        return 0;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
        EcivmLibvirtVm *lv = opaque;
        static const char *const why[] = { "error", "end of file", "keepalive timeout", "client closed" };

        stopped(lv, g_strdup_printf("libvirt: connection lost (%s)",
                                    reason >= 0 && reason < (int)G_N_ELEMENTS(why) ? why[reason] : "unknown"));
}

/* A running domain of this UUID is a previous ecivmd's: end it. */
static gboolean end_stale(EcivmLibvirtVm *lv, const EcivmDomainParams *p, GError **error)
{
        virDomainPtr old = p->uuid ? virDomainLookupByUUIDString(lv->conn, p->uuid)
                                   : virDomainLookupByName(lv->conn, p->name);
        gboolean ok = TRUE;

        if (old == NULL)
                return TRUE;
        if (virDomainIsActive(old) == 1) {
                g_message("vm: libvirt: domain %s is still running from an earlier start: destroying it", p->name);
                if (virDomainDestroy(old) < 0)
                        ok = fail(error, "destroy the stale domain");
        }
        virDomainFree(old);
        return ok;
}

static gboolean define_and_create(EcivmLibvirtVm *lv, const char *xml, GError **error)
{
        lv->dom = virDomainDefineXMLFlags(lv->conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);
        if (lv->dom == NULL)
                return fail(error, "define");
        lv->lifecycle_id = virConnectDomainEventRegisterAny(lv->conn, lv->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                            VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), lv, NULL);
        if (lv->lifecycle_id < 0)
                return fail(error, "watch domain events");
        if (virDomainCreate(lv->dom) < 0)
                return fail(error, "start");
        return TRUE;
}

EcivmLibvirtVm *ecivm_libvirt_start(const char *uri, const EcivmDomainParams *p, EcivmLibvirtStoppedFunc on_stopped,
                                    gpointer user, int *ret_control_fd, int *ret_docker_fd, GError **error)
{
        g_autoptr(EcivmLibvirtVm) lv = g_new0(EcivmLibvirtVm, 1);
        g_autofree char *xml = ecivm_domain_xml_build(p, error);
        gint64 deadline;
        int ctl, dkr;

        if (xml == NULL)
                return NULL;
        uri = uri ? uri : ECIVM_LIBVIRT_DEFAULT_URI;
        ecivm_libvirt_event_init();
        lv->lifecycle_id = -1;
        lv->on_stopped = on_stopped;
        lv->user = user;
        lv->description = g_strdup_printf("libvirt %s domain %s", uri, p->name);
        lv->conn = virConnectOpen(uri);
        if (lv->conn == NULL) {
                g_autofree char *what = g_strdup_printf("connect to %s", uri);
                fail(error, what);
                return NULL;
        }
        (void)virConnectSetKeepAlive(lv->conn, 5, 3);
        lv->close_registered = virConnectRegisterCloseCallback(lv->conn, on_close, lv, NULL) == 0;
        if (!end_stale(lv, p, error) || !define_and_create(lv, xml, error))
                return NULL;
        g_free(lv->description);
        lv->description = g_strdup_printf("libvirt %s domain %s (id %u)", uri, p->name, virDomainGetID(lv->dom));
        g_message("vm: started %s", lv->description);
        /* Over the connection, not by local path: remote URIs work too. */
        deadline = g_get_monotonic_time() + CHANNEL_OPEN_TIMEOUT_US;
        lv->control = ecivm_libvirt_channel_open(lv->dom, WIRE_PORT_CONTROL, deadline, &ctl, error);
        lv->docker = lv->control ? ecivm_libvirt_channel_open(lv->dom, WIRE_PORT_DOCKER, deadline, &dkr, error)
                                 : NULL;
        if (lv->docker == NULL) {
                if (lv->control != NULL)
                        close(ctl);
                (void)virDomainDestroy(lv->dom);
                return NULL;
        }
        *ret_control_fd = ctl;
        *ret_docker_fd = dkr;
        return g_steal_pointer(&lv);
}

gboolean ecivm_libvirt_destroy(EcivmLibvirtVm *lv, GError **error)
{
        if (virDomainIsActive(lv->dom) != 1)
                return TRUE;
        if (virDomainDestroy(lv->dom) < 0)
                return fail(error, "destroy");
        return TRUE;
}

gboolean ecivm_libvirt_cpu_time_ms(EcivmLibvirtVm *lv, gint64 *ret_ms)
{
        virDomainInfo info;

        if (virDomainGetInfo(lv->dom, &info) < 0)
                return FALSE;
        *ret_ms = (gint64)(info.cpuTime / 1000000);
        return TRUE;
}

const char *ecivm_libvirt_describe(const EcivmLibvirtVm *lv)
{
        return lv->description;
}

void ecivm_libvirt_free(EcivmLibvirtVm *lv)
{
        if (lv == NULL)
                return;
        g_clear_handle_id(&lv->notify_idle, g_source_remove);
        g_clear_pointer(&lv->control, ecivm_libvirt_channel_free);
        g_clear_pointer(&lv->docker, ecivm_libvirt_channel_free);
        if (lv->conn != NULL) {
                if (lv->lifecycle_id >= 0)
                        virConnectDomainEventDeregisterAny(lv->conn, lv->lifecycle_id);
                if (lv->close_registered)
                        virConnectUnregisterCloseCallback(lv->conn, on_close);
        }
        if (lv->dom != NULL)
                virDomainFree(lv->dom);
        if (lv->conn != NULL)
                virConnectClose(lv->conn);
        g_free(lv->description);
        g_free(lv->stop_reason);
        g_free(lv);
}

G_MODULE_EXPORT const EcivmLibvirtModule ecivm_libvirt_module = {
        .abi = ECIVM_LIBVIRT_MODULE_ABI,
        .params_size = sizeof(EcivmDomainParams),
        .start = ecivm_libvirt_start,
        .destroy = ecivm_libvirt_destroy,
        .describe = ecivm_libvirt_describe,
        .cpu_time_ms = ecivm_libvirt_cpu_time_ms,
        .free = ecivm_libvirt_free,
};
