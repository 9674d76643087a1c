/* The supervised daemons: spawn, reap bookkeeping, restart budget, stop. */
#ifndef ECIVM_INIT_SERVICES_H
#define ECIVM_INIT_SERVICES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SERVICE_MAX_RESTARTS 5
#define SERVICE_RESTART_WINDOW_MS 60000u

enum service_id { SVC_CONTAINERD, SVC_DOCKERD, SVC_AGENT, SVC_LXCFS, SVC_PROCFS, SVC_COUNT };

/* the VM's services go after any container when memory runs out (containers
 * get 0 or more: the ECI policy) */
#define SERVICE_OOM_SCORE_ADJ (-999)

enum service_state { SVC_STOPPED, SVC_STARTING, SVC_RUNNING, SVC_BACKOFF };

struct service {
        const char *name;
        const char *const *argv;
        const char *log_path;
        int to_host;     /* send output to the host's log port when there is one */
        int optional;    /* absent from the image, or given up after its restarts: the VM goes on */
        const char *mount_point; /* a FUSE mount it serves: a dead one is detached before each start */
        struct service *companion; /* started with this one (the first time) */
        int oom_score_adj; /* written for the child before exec; 0 leaves the inherited value */
        int own_mount_ns;  /* mounts_enter_dockerd_namespace() before exec */
        off_t log_start; /* where this run's output begins in the log */
        pid_t pid;
        enum service_state state;
        uint64_t started_ms, restart_at_ms;
        uint64_t recent[SERVICE_MAX_RESTARTS]; /* when the last restarts were scheduled */
        unsigned restarts;
        int last_status;
};

void services_init(struct service svc[SVC_COUNT]);
const char *service_state_name(enum service_state s);
/* Forks and execs; the child gets a fixed environment, stdin /dev/null and
 * its log as stdout/stderr.  STATE becomes STARTING. */
int service_spawn(struct service *s);
struct service *services_by_pid(struct service svc[SVC_COUNT], pid_t pid);
/* Records an exit and plans a restart with backoff; -EMLINK when the
 * service already restarted SERVICE_MAX_RESTARTS times in the window. */
int service_exited(struct service *s, int status, uint64_t now);
/* SIGTERM, wait up to TIMEOUT_MS (reaping everything), then SIGKILL. */
void service_stop(struct service svc[SVC_COUNT], struct service *s, unsigned timeout_ms);
/* Reaps one exited child without blocking; 0 when none is left. */
pid_t reap_one(int *status);

/* Waits until PATH exists or the service's process exits (-ECHILD). */
int service_wait_socket(struct service *s, const char *path, unsigned timeout_ms);

#endif
