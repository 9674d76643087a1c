#include "api-admit.h"

EcivmAdmit ecivm_api_admit(const EcivmApiLimits *l, uid_t uid, guint total, guint same_uid)
{
        guint reserved = MIN(l->root_reserved, l->max_clients);

        if (uid == 0)
                return total < l->max_clients ? ECIVM_ADMIT_OK : ECIVM_ADMIT_FULL;
        if (same_uid >= l->per_uid)
                return ECIVM_ADMIT_PER_UID;
        if (total >= l->max_clients - reserved)
                return ECIVM_ADMIT_FULL;
        return ECIVM_ADMIT_OK;
}

char *ecivm_api_admit_message(EcivmAdmit a, const EcivmApiLimits *l, uid_t uid)
{
        switch (a) {
        case ECIVM_ADMIT_PER_UID:
                return g_strdup_printf("too many connections from uid %u: at most %u per user (idle ones are closed "
                                       "after %u s)",
                                       (guint) uid, l->per_uid, l->idle_timeout_s);
        case ECIVM_ADMIT_FULL:
                if (uid == 0)
                        return g_strdup_printf("too many connections: all %u in use", l->max_clients);
                return g_strdup_printf("too many connections: all %u in use (%u of them kept for root)",
                                       l->max_clients, l->root_reserved);
        case ECIVM_ADMIT_OK:
        default:
                return g_strdup("admitted");
        }
}

gboolean ecivm_log_budget_take(EcivmLogBudget *b, gint64 now, guint per_second, guint *ret_quiet)
{
        gint64 window = now / G_USEC_PER_SEC;

        if (window != b->window) {
                b->window = window;
                b->used = 0;
        }
        if (b->used >= per_second) {
                b->quiet++;
                return FALSE;
        }
        b->used++;
        *ret_quiet = b->quiet;
        b->quiet = 0;
        return TRUE;
}

gboolean ecivm_api_idle_expired(const EcivmApiLimits *l, gint64 now, gint64 last, gboolean busy)
{
        return !busy && l->idle_timeout_s > 0 && now - last >= (gint64) l->idle_timeout_s * G_USEC_PER_SEC;
}
