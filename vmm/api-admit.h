/* Who may hold a connection to ecivmd's service socket (pure).
 *
 * Every member of the socket's group can connect; none may take the service
 * away from the others or from root:
 * - at most per_uid connections per non-root uid (SO_PEERCRED),
 * - at most max_clients in all, root_reserved of them usable by root only, so
 *   root's `ecivm status` and `ecivm down` work however many users connect,
 * - a client with no request in flight, no subscription and no logs --follow
 *   is dropped after idle_timeout_s without a request.
 * A refused connection gets one error reply naming the limit, then EOF. */
#ifndef ECIVM_VMM_API_ADMIT_H
#define ECIVM_VMM_API_ADMIT_H

#include <sys/types.h>

#include <glib.h>

typedef struct {
        guint max_clients;
        guint per_uid;
        guint root_reserved;
        guint idle_timeout_s;
} EcivmApiLimits;

#define ECIVM_API_LIMITS_DEFAULT { .max_clients = 128, .per_uid = 16, .root_reserved = 8, .idle_timeout_s = 60 }

typedef enum {
        ECIVM_ADMIT_OK,
        ECIVM_ADMIT_PER_UID, /* this uid holds per_uid connections */
        ECIVM_ADMIT_FULL,    /* no slot left (for a non-root uid: only root's reserved ones) */
} EcivmAdmit;

/* UID connects while TOTAL clients are connected, SAME_UID of them UID's. */
EcivmAdmit ecivm_api_admit(const EcivmApiLimits *l, uid_t uid, guint total, guint same_uid);
/* The refusal's error message: which limit. */
char *ecivm_api_admit_message(EcivmAdmit a, const EcivmApiLimits *l, uid_t uid);
/* A client last heard from at LAST (monotonic µs) is dropped at NOW unless BUSY. */
gboolean ecivm_api_idle_expired(const EcivmApiLimits *l, gint64 now, gint64 last, gboolean busy);

/* Log lines about refusals: at most PER_SECOND a second; the first line of
 * the next second tells how many were left out (*RET_QUIET). */
typedef struct {
        gint64 window; /* the second (monotonic µs / 1e6) being counted */
        guint used;
        guint quiet;
} EcivmLogBudget;

gboolean ecivm_log_budget_take(EcivmLogBudget *b, gint64 now, guint per_second, guint *ret_quiet);

#endif
