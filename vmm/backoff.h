/* Restart policy (pure): exponential backoff with a crash-loop limit. */
#ifndef ECIVM_VMM_BACKOFF_H
#define ECIVM_VMM_BACKOFF_H

#include <glib.h>

#define ECIVM_BACKOFF_MAX_EVENTS 32

typedef struct {
        guint initial_ms;   /* delay before the first restart */
        guint max_ms;       /* cap of the doubling */
        guint limit;        /* more than LIMIT failures ... */
        guint window_s;     /* ... within WINDOW_S seconds is a crash loop */
        gint64 failures[ECIVM_BACKOFF_MAX_EVENTS]; /* monotonic µs, oldest first */
        guint n_failures;
} EcivmBackoff;

void ecivm_backoff_init(EcivmBackoff *b, guint initial_ms, guint max_ms, guint limit, guint window_s);
/* Record a failure at NOW (µs).  Returns the delay before the next restart
 * in ms, or -1 when the failures in the window exceed the limit. */
gint64 ecivm_backoff_failure(EcivmBackoff *b, gint64 now);
/* Failures counted in the window ending at NOW. */
guint ecivm_backoff_recent(const EcivmBackoff *b, gint64 now);
void ecivm_backoff_reset(EcivmBackoff *b);

#endif
