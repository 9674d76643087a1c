#include <stdlib.h>
#include <string.h>

#include "pollset.h"

void pollset_set(struct pollset *ps, int fd, short events)
{
        for (unsigned i = 0; i < ps->n; i++) {
                if (ps->fds[i].fd != fd)
                        continue;
                if (events) {
                        ps->fds[i].events = events;
                } else {
                        ps->fds[i] = ps->fds[--ps->n];
                }
                return;
        }
        if (!events)
                return;
        if (ps->n == ps->cap) {
                unsigned cap = ps->cap ? ps->cap * 2 : 64;
                struct pollfd *p = realloc(ps->fds, cap * sizeof(*p));
                if (!p)
                        abort(); /* the agent cannot relay without memory */
                ps->fds = p;
                ps->cap = cap;
        }
        ps->fds[ps->n++] = (struct pollfd) { .fd = fd, .events = events };
}

void pollset_dispatch(struct pollset *ps, wire_mux *mux)
{
        unsigned n = ps->n, k = 0;
        struct pollfd ready[n ? n : 1];

        for (unsigned i = 0; i < n; i++)
                if (ps->fds[i].revents)
                        ready[k++] = ps->fds[i];
        for (unsigned i = 0; i < ps->n; i++)
                ps->fds[i].revents = 0;
        for (unsigned i = 0; i < k; i++) {
                /* a handler may have closed this fd (and it may have been
                 * reused): only dispatch fds still in the set */
                int live = 0;
                for (unsigned j = 0; j < ps->n; j++)
                        live |= ps->fds[j].fd == ready[i].fd;
                if (live)
                        wire_mux_handle(mux, ready[i].fd, ready[i].revents);
        }
}
