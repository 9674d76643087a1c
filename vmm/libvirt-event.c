#include "config.h"

#include <glib-unix.h>
#include <libvirt/libvirt.h>

#include "libvirt-event.h"

typedef struct {
        int id;
        int fd;
        int events; /* VIR_EVENT_HANDLE_* */
        virEventHandleCallback cb;
        void *opaque;
        virFreeCallback ff;
        GSource *source; /* NULL while events == 0 */
        gpointer tag;
} Handle;

typedef struct {
        GSource base;
        Handle *h;
} HandleSource;

typedef struct {
        int id;
        int interval; /* ms; -1 disabled, 0 every iteration */
        virEventTimeoutCallback cb;
        void *opaque;
        virFreeCallback ff;
        GSource *source;
} Timeout;

typedef struct {
        virFreeCallback ff;
        void *opaque;
} PendingFree;

static GMutex lock;
static GHashTable *handles;  /* id -> Handle */
static GHashTable *timeouts; /* id -> Timeout */
static int next_id = 1;

static GIOCondition to_glib(int events)
{
        return ((events & VIR_EVENT_HANDLE_READABLE) ? G_IO_IN : 0) |
               ((events & VIR_EVENT_HANDLE_WRITABLE) ? G_IO_OUT : 0) |
               ((events & VIR_EVENT_HANDLE_ERROR) ? G_IO_ERR : 0) | ((events & VIR_EVENT_HANDLE_HANGUP) ? G_IO_HUP : 0);
}

static int to_libvirt(GIOCondition cond)
{
        return ((cond & G_IO_IN) ? VIR_EVENT_HANDLE_READABLE : 0) |
               ((cond & G_IO_OUT) ? VIR_EVENT_HANDLE_WRITABLE : 0) |
               ((cond & G_IO_ERR) ? VIR_EVENT_HANDLE_ERROR : 0) | ((cond & G_IO_HUP) ? VIR_EVENT_HANDLE_HANGUP : 0);
}

static gboolean handle_dispatch(GSource *source, GSourceFunc unused_cb, gpointer unused_data)
{
        HandleSource *hs = (HandleSource *)source;
        Handle *h = hs->h;
        int id, fd, events;
        virEventHandleCallback cb;
        void *opaque;

        g_mutex_lock(&lock);
        id = h->id;
        fd = h->fd;
        events = to_libvirt(g_source_query_unix_fd(source, h->tag));
        cb = h->cb;
        opaque = h->opaque;
        g_mutex_unlock(&lock);
        if (events != 0)
                cb(id, fd, events, opaque);
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs handle_funcs = { .dispatch = handle_dispatch };

/* With the lock held. */
static void handle_apply(Handle *h)
{
        if (h->events == 0) { /* watching an fd for nothing would still wake on HUP */
                if (h->source != NULL) {
                        g_source_destroy(h->source);
                        g_clear_pointer(&h->source, g_source_unref);
                }
                return;
        }
        if (h->source == NULL) {
                h->source = g_source_new(&handle_funcs, sizeof(HandleSource));
                ((HandleSource *)h->source)->h = h;
                g_source_set_name(h->source, "libvirt-handle");
                h->tag = g_source_add_unix_fd(h->source, h->fd, to_glib(h->events));
                g_source_attach(h->source, NULL);
        } else {
                g_source_modify_unix_fd(h->source, h->tag, to_glib(h->events));
        }
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
        Handle *h = g_new0(Handle, 1);
        int id;

        g_mutex_lock(&lock);
        id = h->id = next_id++;
        h->fd = fd;
        h->events = events;
        h->cb = cb;
        h->opaque = opaque;
        h->ff = ff;
        handle_apply(h);
        g_hash_table_insert(handles, GINT_TO_POINTER(id), h);
        g_mutex_unlock(&lock);
        return id;
}

static void update_handle(int id, int events)
{
        Handle *h;

        g_mutex_lock(&lock);
        h = g_hash_table_lookup(handles, GINT_TO_POINTER(id));
        if (h != NULL) {
                h->events = events;
                handle_apply(h);
        }
        g_mutex_unlock(&lock);
}

/* libvirt forbids calling ff from inside the remove callback. */
static gboolean run_free(gpointer user)
{
        PendingFree *pf = user;

        pf->ff(pf->opaque);
        g_free(pf);
        return G_SOURCE_REMOVE;
}

static void schedule_free(virFreeCallback ff, void *opaque)
{
        PendingFree *pf;

        if (ff == NULL)
                return;
        pf = g_new0(PendingFree, 1);
        pf->ff = ff;
        pf->opaque = opaque;
        g_idle_add(run_free, pf); /* run_free owns PF from here */
}

static int remove_handle(int id)
{
        Handle *h;

        g_mutex_lock(&lock);
        h = g_hash_table_lookup(handles, GINT_TO_POINTER(id));
        if (h == NULL) {
                g_mutex_unlock(&lock);
                return -1;
        }
        g_hash_table_steal(handles, GINT_TO_POINTER(id));
        h->events = 0;
        handle_apply(h);
        schedule_free(h->ff, h->opaque);
        g_free(h);
        g_mutex_unlock(&lock);
        return 0;
}

static gboolean timeout_fire(gpointer user)
{
        int id = GPOINTER_TO_INT(user);
        Timeout *t;
        virEventTimeoutCallback cb = NULL;
        void *opaque = NULL;

        g_mutex_lock(&lock);
        t = g_hash_table_lookup(timeouts, GINT_TO_POINTER(id));
        if (t != NULL) {
                cb = t->cb;
                opaque = t->opaque;
        }
        g_mutex_unlock(&lock);
        if (cb != NULL)
                cb(id, opaque);
        return G_SOURCE_CONTINUE;
}

/* With the lock held. */
static void timeout_apply(Timeout *t)
{
        if (t->source != NULL) {
                g_source_destroy(t->source);
                g_clear_pointer(&t->source, g_source_unref);
        }
        if (t->interval < 0)
                return;
        /* Not an idle source for 0: libvirt dispatches stream events from a
         * 0 ms timer, and an idle-priority source starves while the channels
         * keep default-priority sources ready (libvirt's own GLib loop uses
         * default-priority timeouts too). */
        t->source = g_timeout_source_new((guint)t->interval);
        g_source_set_name(t->source, "libvirt-timeout");
        g_source_set_callback(t->source, timeout_fire, GINT_TO_POINTER(t->id), NULL);
        g_source_attach(t->source, NULL);
}

static int add_timeout(int interval, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
        Timeout *t = g_new0(Timeout, 1);
        int id;

        g_mutex_lock(&lock);
        id = t->id = next_id++;
        t->interval = interval;
        t->cb = cb;
        t->opaque = opaque;
        t->ff = ff;
        timeout_apply(t);
        g_hash_table_insert(timeouts, GINT_TO_POINTER(id), t);
        g_mutex_unlock(&lock);
        return id;
}

static void update_timeout(int id, int interval)
{
        Timeout *t;

        g_mutex_lock(&lock);
        t = g_hash_table_lookup(timeouts, GINT_TO_POINTER(id));
        /* an update re-arms: the next expiry is INTERVAL from now, even if
         * INTERVAL is unchanged (virEventUpdateTimeout's contract) */
        if (t != NULL && (interval >= 0 || t->interval >= 0)) {
                t->interval = interval;
                timeout_apply(t);
        }
        g_mutex_unlock(&lock);
}

static int remove_timeout(int id)
{
        Timeout *t;

        g_mutex_lock(&lock);
        t = g_hash_table_lookup(timeouts, GINT_TO_POINTER(id));
        if (t == NULL) {
                g_mutex_unlock(&lock);
                return -1;
        }
        g_hash_table_steal(timeouts, GINT_TO_POINTER(id));
        t->interval = -1;
        timeout_apply(t);
        schedule_free(t->ff, t->opaque);
        g_free(t);
        g_mutex_unlock(&lock);
        return 0;
}

void ecivm_libvirt_event_register(void)
{
        static gsize done = 0;

        if (g_once_init_enter(&done)) {
                handles = g_hash_table_new(g_direct_hash, g_direct_equal);
                timeouts = g_hash_table_new(g_direct_hash, g_direct_equal);
                virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout,
                                     remove_timeout);
                g_once_init_leave(&done, 1);
        }
}
