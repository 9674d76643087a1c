/* ecivm-init's shared state and the functions the stages call across files. */
#ifndef ECIVM_INIT_INIT_H
#define ECIVM_INIT_INIT_H

#include "cmdline.h"
#include "control.h"
#include "ping.h"
#include "services.h"
#include "settings.h"
#include "util.h"

#define DOCKER_READY_TIMEOUT_MS 60000u
#define DOCKER_PING_INTERVAL_MS 100u
#define DOCKER_PING_ATTEMPT_MS 2000u

struct init_state {
        struct init_cmdline cmd;
        struct control ctl;
        struct service svc[SVC_COUNT];
        struct docker_ping ping;
        char kernel[65];
        char boot_id[64];
        const char *stage;      /* "initramfs", then "root" */
        bool booted_sent;       /* a host has seen BOOTED at least once */
        uint64_t ready_ms;      /* uptime when dockerd first answered; 0 before */
        uint64_t next_heartbeat;
        uint64_t next_ping;
        bool stop_requested;
        struct guest_settings settings; /* from the host's SETTINGS (settings.h) */
        int sigfd, timerfd, powerfd;
};

/* power.c */
_noreturn_ void init_fail(struct init_state *s, const char *step, const char *fmt, ...) _printf_(3, 4);
_noreturn_ void init_shutdown(struct init_state *s);
_noreturn_ void init_power_off(void);
int power_button_open(void);
bool power_button_pressed(int fd);

/* requests.c */
void send_booted(struct init_state *s);
void send_ready(struct init_state *s);
void send_event(struct init_state *s, const char *service, const char *state, const char *exit_status);
void send_heartbeat(struct init_state *s);
void on_control(void *user, const struct control_event *ev);

void settings_request(struct init_state *s, const struct wire_control *m);
/* harden.c: kernel sysctls that close the VM, set and verified */
void harden_kernel(struct init_state *s);
void protect_working_set(void);
/* loop.c */
int loop_setup(struct init_state *s);
void loop_run(struct init_state *s);

/* main.c */
void start_service(struct init_state *s, enum service_id id);

#endif
