#include "backoff.h"

void ecivm_backoff_init(EcivmBackoff *b, guint initial_ms, guint max_ms, guint limit, guint window_s)
{
        *b = (EcivmBackoff) { .initial_ms = initial_ms, .max_ms = max_ms, .limit = MIN(limit, ECIVM_BACKOFF_MAX_EVENTS - 1),
                              .window_s = window_s };
}

static void forget_old(EcivmBackoff *b, gint64 now)
{
        gint64 horizon = now - (gint64) b->window_s * G_USEC_PER_SEC;
        guint keep = 0;

        for (guint i = 0; i < b->n_failures; i++)
                if (b->failures[i] > horizon)
                        b->failures[keep++] = b->failures[i];
        b->n_failures = keep;
}

guint ecivm_backoff_recent(const EcivmBackoff *b, gint64 now)
{
        gint64 horizon = now - (gint64) b->window_s * G_USEC_PER_SEC;
        guint n = 0;

        for (guint i = 0; i < b->n_failures; i++)
                n += b->failures[i] > horizon;
        return n;
}

gint64 ecivm_backoff_failure(EcivmBackoff *b, gint64 now)
{
        guint64 delay = b->initial_ms;

        forget_old(b, now);
        if (b->n_failures == ECIVM_BACKOFF_MAX_EVENTS)
                return -1;
        b->failures[b->n_failures++] = now;
        if (b->n_failures > b->limit)
                return -1;
        for (guint i = 1; i < b->n_failures && delay < b->max_ms; i++)
                delay *= 2;
        return (gint64) MIN(delay, (guint64) b->max_ms);
}

void ecivm_backoff_reset(EcivmBackoff *b)
{
        b->n_failures = 0;
}
