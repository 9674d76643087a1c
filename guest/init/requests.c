#include <sys/statvfs.h>

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "evidence.h"
#include "init.h"
#include "log.h"

#define SEND_TIMEOUT_MS 500u
#define BAD_LOG_LIMIT 32u

static int send_logged(struct init_state *s, const char *what)
{
        int r = control_send(&s->ctl, SEND_TIMEOUT_MS);

        if (r < 0 && r != -ENOTCONN)
                log_errno(r, "control: %s not sent", what);
        return r;
}

void send_booted(struct init_state *s)
{
        control_begin(&s->ctl, WIRE_V_BOOTED, 0);
        control_add(&s->ctl, "kernel", "%s", s->kernel);
        control_add(&s->ctl, "boot_id", "%s", s->boot_id);
        control_add(&s->ctl, "stage", "%s", s->stage);
        if (send_logged(s, "BOOTED") == 0)
                s->booted_sent = true;
}

void send_ready(struct init_state *s)
{
        control_begin(&s->ctl, WIRE_V_READY, 0);
        control_add(&s->ctl, "dockerd_pid", "%d", (int) s->svc[SVC_DOCKERD].pid);
        control_add(&s->ctl, "elapsed_ms", "%llu", (unsigned long long) s->ready_ms);
        send_logged(s, "READY");
}

void send_event(struct init_state *s, const char *service, const char *state, const char *exit_status)
{
        control_begin(&s->ctl, WIRE_V_EVENT, 0);
        control_add(&s->ctl, "service", "%s", service);
        control_add(&s->ctl, "state", "%s", state);
        if (exit_status)
                control_add(&s->ctl, "exit", "%s", exit_status);
        send_logged(s, "EVENT");
}

void send_heartbeat(struct init_state *s)
{
        struct statvfs st;

        control_begin(&s->ctl, WIRE_V_EVENT, 0);
        control_add(&s->ctl, "service", "heartbeat");
        control_add(&s->ctl, "uptime_ms", "%llu", (unsigned long long) now_ms());
        control_add(&s->ctl, "dockerd", "%s", service_state_name(s->svc[SVC_DOCKERD].state));
        if (statvfs("/data", &st) == 0) {
                control_add(&s->ctl, "data_free_mib", "%llu",
                            (unsigned long long) st.f_bavail * st.f_frsize / (1024 * 1024));
                control_add(&s->ctl, "data_total_mib", "%llu",
                            (unsigned long long) st.f_blocks * st.f_frsize / (1024 * 1024));
        }
        send_logged(s, "heartbeat");
}

static void reply(struct init_state *s, uint32_t id, const char *error)
{
        control_begin(&s->ctl, WIRE_V_REPLY, id);
        control_add(&s->ctl, "ok", "%d", error ? 0 : 1);
        if (error)
                control_add(&s->ctl, "error", "%s", error);
        send_logged(s, "REPLY");
}

static void reply_status(struct init_state *s, uint32_t id)
{
        control_begin(&s->ctl, WIRE_V_REPLY, id);
        control_add(&s->ctl, "ok", "1");
        for (int i = 0; i < SVC_COUNT; i++) {
                char key[64];
                const struct service *svc = &s->svc[i];

                control_add(&s->ctl, svc->name, "%s", service_state_name(svc->state));
                snprintf(key, sizeof(key), "%s_pid", svc->name);
                control_add(&s->ctl, key, "%d", (int) svc->pid);
                snprintf(key, sizeof(key), "%s_restarts", svc->name);
                control_add(&s->ctl, key, "%u", svc->restarts);
        }
        control_add(&s->ctl, "uptime_ms", "%llu", (unsigned long long) now_ms());
        control_add(&s->ctl, "ready_ms", "%llu", (unsigned long long) s->ready_ms);
        control_add(&s->ctl, "kernel", "%s", s->kernel);
        control_add(&s->ctl, "boot_id", "%s", s->boot_id);
        send_logged(s, "REPLY");
}

/* Settings take effect at boot only: a session that restarts (a new ecivmd)
 * must bring the same ones, or hear that they need a restart of the VM. */
void settings_request(struct init_state *s, const struct wire_control *m)
{
        static struct guest_settings pushed;
        const char *why;

        memset(&pushed, 0, sizeof(pushed));
        why = settings_parse(m, &pushed);
        if (!why && s->settings.applied && strcmp(pushed.digest, s->settings.digest) != 0)
                why = "settings differ from the ones this boot applied: restart the VM to apply them";
        if (!why && !s->settings.applied)
                s->settings = pushed;
        if (why)
                log_msg("control: SETTINGS refused: %s", why);
        reply(s, m->id, why);
}

static void refuse(struct init_state *s, const struct control_event *ev)
{
        static unsigned logged;

        if (logged < BAD_LOG_LIMIT)
                log_msg("control: refused: %s%s", ev->why, ++logged == BAD_LOG_LIMIT ? " (no more logged)" : "");
        if (ev->has_id)
                reply(s, ev->id, ev->why);
}

static void on_message(struct init_state *s, const struct wire_control *m)
{
        struct control_event bad = { .kind = CONTROL_BAD, .has_id = true, .id = m->id };

        switch (m->verb) {
        case WIRE_V_STATUS:
                reply_status(s, m->id);
                return;
        case WIRE_V_PING:
                reply(s, m->id, NULL);
                return;
        case WIRE_V_EVIDENCE:
                evidence_reply(s, m);
                return;
        case WIRE_V_SETTINGS:
                settings_request(s, m);
                return;
        case WIRE_V_SHUTDOWN:
                log_msg("shutdown requested by the host");
                reply(s, m->id, NULL);
                s->stop_requested = true;
                return;
        default:
                bad.why = "verb not accepted by the guest";
                refuse(s, &bad);
        }
}

void on_control(void *user, const struct control_event *ev)
{
        struct init_state *s = user;

        switch (ev->kind) {
        case CONTROL_HELLO:
                send_booted(s);
                if (s->ready_ms)
                        send_ready(s);
                return;
        case CONTROL_MESSAGE:
                on_message(s, ev->msg);
                return;
        default:
                refuse(s, ev);
        }
}
