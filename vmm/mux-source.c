#include <errno.h>
#include <poll.h>

#include "mux-source.h"

struct _EcivmMuxSource {
        GSource source;
        wire_mux *mux;
        GHashTable *tags; /* fd -> tag */
        const EcivmMuxCallbacks *cb;
        gpointer user;
};

static GIOCondition to_condition(short events)
{
        return (events & POLLIN ? G_IO_IN : 0) | (events & POLLOUT ? G_IO_OUT : 0);
}

static short from_condition(GIOCondition c)
{
        return (short) ((c & G_IO_IN ? POLLIN : 0) | (c & G_IO_OUT ? POLLOUT : 0) | (c & G_IO_HUP ? POLLHUP : 0) |
                        (c & G_IO_ERR ? POLLERR : 0));
}

static void on_watch(void *user, int fd, short events)
{
        EcivmMuxSource *s = user;
        gpointer tag = g_hash_table_lookup(s->tags, GINT_TO_POINTER(fd));

        if (events == 0) {
                if (tag) {
                        g_source_remove_unix_fd(&s->source, tag);
                        g_hash_table_remove(s->tags, GINT_TO_POINTER(fd));
                }
                return;
        }
        if (tag)
                g_source_modify_unix_fd(&s->source, tag, to_condition(events));
        else
                g_hash_table_insert(s->tags, GINT_TO_POINTER(fd),
                                    g_source_add_unix_fd(&s->source, fd, to_condition(events)));
}

static int on_open_stream(void *user, uint32_t id)
{
        EcivmMuxSource *s = user;
        return s->cb->open_stream ? s->cb->open_stream(s->user, id) : -EPROTO;
}

static void on_channel_down(void *user, int err)
{
        EcivmMuxSource *s = user;
        if (s->cb->channel_down)
                s->cb->channel_down(s->user, err);
}

static void on_control(void *user, const struct wire_control *c)
{
        EcivmMuxSource *s = user;
        if (s->cb->control)
                s->cb->control(s->user, c);
}

static const struct wire_mux_ops source_ops = {
        .watch = on_watch,
        .open_stream = on_open_stream,
        .channel_down = on_channel_down,
        .control = on_control,
};

static gboolean source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
        EcivmMuxSource *s = (EcivmMuxSource *) source;
        g_autofree int *fds = NULL;
        g_autofree short *ev = NULL;
        guint n = 0, size = g_hash_table_size(s->tags);
        GHashTableIter it;
        gpointer key, tag;

        /* Snapshot first: handlers add and remove fds. */
        fds = g_new(int, size ? size : 1);
        ev = g_new(short, size ? size : 1);
        g_hash_table_iter_init(&it, s->tags);
        while (g_hash_table_iter_next(&it, &key, &tag)) {
                GIOCondition c = g_source_query_unix_fd(source, tag);
                if (c) {
                        fds[n] = GPOINTER_TO_INT(key);
                        ev[n++] = from_condition(c);
                }
        }
        for (guint i = 0; i < n; i++)
                if (g_hash_table_contains(s->tags, GINT_TO_POINTER(fds[i])))
                        wire_mux_handle(s->mux, fds[i], ev[i]);
        return G_SOURCE_CONTINUE;
}

static void source_finalize(GSource *source)
{
        EcivmMuxSource *s = (EcivmMuxSource *) source;

        /* The mux calls on_watch while closing fds: keep the table alive. */
        s->mux = wire_mux_free(s->mux);
        g_hash_table_unref(s->tags);
}

static GSourceFuncs source_funcs = {
        .dispatch = source_dispatch,
        .finalize = source_finalize,
};

EcivmMuxSource *ecivm_mux_source_new(const EcivmMuxCallbacks *cb, gpointer user)
{
        EcivmMuxSource *s = (EcivmMuxSource *) g_source_new(&source_funcs, sizeof(EcivmMuxSource));

        s->cb = cb;
        s->user = user;
        s->tags = g_hash_table_new(g_direct_hash, g_direct_equal);
        s->mux = wire_mux_new(&source_ops, s);
        g_source_attach(&s->source, NULL);
        return s;
}

void ecivm_mux_source_free(EcivmMuxSource *src)
{
        if (!src)
                return;
        wire_mux_detach_channel(src->mux);
        g_source_destroy(&src->source);
        g_source_unref(&src->source);
}

void ecivm_mux_source_set_priority(EcivmMuxSource *src, int priority)
{
        g_source_set_priority(&src->source, priority);
}

wire_mux *ecivm_mux_source_get_mux(EcivmMuxSource *src)
{
        return src->mux;
}
