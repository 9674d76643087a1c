#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "error.h"
#include "libvirt-channel.h"

#define CHUNK (64 * 1024)
#define ROUNDS 16 /* chunks per wakeup and direction, so neither starves */

typedef struct {
        guint8 data[CHUNK];
        gsize len, off; /* pending: data[off..len) */
} Chunk;

typedef struct {
        GSource base;
        EcivmLibvirtChannel *ch;
} FdSource;

struct _EcivmLibvirtChannel {
        char *name;
        virStreamPtr st;
        int fd;             /* our end of the socketpair; -1 once closed */
        GSource *fd_source; /* FdSource */
        gpointer fd_tag;
        gboolean st_watched;
        gboolean st_ended; /* aborted */
        int st_events;
        Chunk to_fd; /* from the stream (guest), to write to fd */
        Chunk to_st; /* read from fd, to send to the stream */
        guint64 from_guest, to_guest;
};

static void stream_end(EcivmLibvirtChannel *ch)
{
        if (ch->st_watched) {
                (void)virStreamEventRemoveCallback(ch->st);
                ch->st_watched = FALSE;
        }
        if (ch->st != NULL && !ch->st_ended) {
                (void)virStreamAbort(ch->st);
                ch->st_ended = TRUE;
        }
}

static void channel_close(EcivmLibvirtChannel *ch, const char *why)
{
        if (ch->fd < 0)
                return;
        if (why != NULL)
                g_message("vm: libvirt channel %s: %s (%" G_GUINT64_FORMAT " bytes from the guest, %" G_GUINT64_FORMAT
                          " to it)", ch->name, why, ch->from_guest, ch->to_guest);
        if (ch->fd_source != NULL) {
                g_source_destroy(ch->fd_source);
                g_clear_pointer(&ch->fd_source, g_source_unref);
        }
        close(ch->fd);
        ch->fd = -1;
        stream_end(ch);
}

static void channel_fail(EcivmLibvirtChannel *ch, const char *what)
{
        g_autofree char *why = g_strdup_printf("%s: %s", what, virGetLastErrorMessage());

        channel_close(ch, why);
}

/* Stream readable while nothing waits for fd, writable while something
 * waits for the stream; fd the other way round. */
static void update_interest(EcivmLibvirtChannel *ch)
{
        int st_events = 0;
        GIOCondition fd_events = 0;

        if (ch->fd < 0)
                return;
        if (ch->to_fd.len == 0)
                st_events |= VIR_STREAM_EVENT_READABLE;
        else
                fd_events |= G_IO_OUT;
        if (ch->to_st.len == 0)
                fd_events |= G_IO_IN;
        else
                st_events |= VIR_STREAM_EVENT_WRITABLE;
        if (st_events != ch->st_events) {
                ch->st_events = st_events;
                (void)virStreamEventUpdateCallback(ch->st, st_events);
        }
        g_source_modify_unix_fd(ch->fd_source, ch->fd_tag, fd_events);
}

/* FALSE once the channel is closed. */
static gboolean flush_to_fd(EcivmLibvirtChannel *ch)
{
        Chunk *c = &ch->to_fd;

        while (c->off < c->len) {
                ssize_t n = write(ch->fd, c->data + c->off, c->len - c->off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return TRUE;
                if (n < 0) {
                        g_autofree char *why = g_strdup_printf("socketpair write: %s", g_strerror(errno));
                        channel_close(ch, why);
                        return FALSE;
                }
                c->off += (gsize)n;
        }
        c->len = c->off = 0;
        return TRUE;
}

static gboolean flush_to_stream(EcivmLibvirtChannel *ch)
{
        Chunk *c = &ch->to_st;

        while (c->off < c->len) {
                int n = virStreamSend(ch->st, (const char *)c->data + c->off, c->len - c->off);

                if (n == -2) /* EAGAIN */
                        return TRUE;
                if (n < 0) {
                        channel_fail(ch, "stream send");
                        return FALSE;
                }
                c->off += (gsize)n;
                ch->to_guest += (guint64)n;
        }
        c->len = c->off = 0;
        return TRUE;
}

static void pump_from_stream(EcivmLibvirtChannel *ch)
{
        for (int i = 0; i < ROUNDS && ch->fd >= 0 && ch->to_fd.len == 0; i++) {
                int n = virStreamRecv(ch->st, (char *)ch->to_fd.data, CHUNK);

                if (n == -2)
                        break;
                if (n == 0) {
                        channel_close(ch, "end of stream (the domain's QEMU closed the channel)");
                        return;
                }
                if (n < 0) {
                        channel_fail(ch, "stream receive");
                        return;
                }
                ch->from_guest += (guint64)n;
                ch->to_fd.len = (gsize)n;
                ch->to_fd.off = 0;
                if (!flush_to_fd(ch))
                        return;
        }
}

static void pump_from_fd(EcivmLibvirtChannel *ch)
{
        for (int i = 0; i < ROUNDS && ch->fd >= 0 && ch->to_st.len == 0; i++) {
                ssize_t n = read(ch->fd, ch->to_st.data, CHUNK);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        channel_close(ch, n == 0 ? "closed by ecivmd" : g_strerror(errno));
                        return;
                }
                ch->to_st.len = (gsize)n;
                ch->to_st.off = 0;
                if (!flush_to_stream(ch))
                        return;
        }
}

static void on_stream(virStreamPtr st, int events, void *opaque)
{
        EcivmLibvirtChannel *ch = opaque;

        if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)) {
                /* what is still queued is delivered first; Recv then reports the end */
                pump_from_stream(ch);
                if (ch->fd >= 0 && ch->to_fd.len == 0)
                        channel_close(ch, "stream hung up");
        }
        if (ch->fd >= 0 && (events & VIR_STREAM_EVENT_WRITABLE) && flush_to_stream(ch))
                pump_from_fd(ch);
        if (ch->fd >= 0 && (events & VIR_STREAM_EVENT_READABLE))
                pump_from_stream(ch);
        update_interest(ch);
}

static gboolean fd_dispatch(GSource *source, GSourceFunc unused_cb, gpointer unused_data)
{
        EcivmLibvirtChannel *ch = ((FdSource *)source)->ch;
        GIOCondition cond = g_source_query_unix_fd(source, ch->fd_tag);

        if ((cond & G_IO_OUT) && flush_to_fd(ch))
                pump_from_stream(ch);
        if (ch->fd >= 0 && (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
                if (ch->to_st.len == 0)
                        pump_from_fd(ch);
                else if (!(cond & G_IO_IN)) /* the mux's end is gone; nothing more to carry */
                        channel_close(ch, "closed by ecivmd");
        }
        update_interest(ch);
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_funcs = { .dispatch = fd_dispatch };

static gboolean open_stream(EcivmLibvirtChannel *ch, virDomainPtr dom, gint64 deadline, GError **error)
{
        for (;;) {
                ch->st = virStreamNew(virDomainGetConnect(dom), VIR_STREAM_NONBLOCK);
                if (ch->st == NULL)
                        break;
                if (virDomainOpenChannel(dom, ch->name, ch->st, VIR_DOMAIN_CHANNEL_FORCE) == 0)
                        return TRUE;
                virStreamFree(ch->st);
                ch->st = NULL;
                if (g_get_monotonic_time() > deadline)
                        break;
                g_usleep(100 * 1000);
        }
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "libvirt: open channel %s: %s", ch->name,
                    virGetLastErrorMessage());
        return FALSE;
}

EcivmLibvirtChannel *ecivm_libvirt_channel_open(virDomainPtr dom, const char *name, gint64 deadline, int *ret_fd,
                                                GError **error)
{
        g_autoptr(EcivmLibvirtChannel) ch = g_new0(EcivmLibvirtChannel, 1);
        int sv[2];

        ch->name = g_strdup(name);
        ch->fd = -1;
        if (!open_stream(ch, dom, deadline, error))
                return NULL;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "socketpair: %s", g_strerror(errno));
                return NULL;
        }
        ch->fd = sv[0];
        ch->st_events = VIR_STREAM_EVENT_READABLE;
        if (virStreamEventAddCallback(ch->st, ch->st_events, on_stream, ch, NULL) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "libvirt: watch channel %s: %s", name,
                            virGetLastErrorMessage());
                close(sv[1]);
                return NULL;
        }
        ch->st_watched = TRUE;
        ch->fd_source = g_source_new(&fd_funcs, sizeof(FdSource));
        ((FdSource *)ch->fd_source)->ch = ch;
        g_source_set_name(ch->fd_source, "libvirt-channel");
        ch->fd_tag = g_source_add_unix_fd(ch->fd_source, ch->fd, G_IO_IN);
        g_source_attach(ch->fd_source, NULL);
        *ret_fd = sv[1];
        return g_steal_pointer(&ch);
}

void ecivm_libvirt_channel_free(EcivmLibvirtChannel *ch)
{
        if (ch == NULL)
                return;
        channel_close(ch, NULL);
        stream_end(ch);
        if (ch->st != NULL)
                virStreamFree(ch->st);
        g_free(ch->name);
        g_free(ch);
}
