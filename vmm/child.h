/* ecivmd's child processes (QEMU, the KVM probe, ecivm-crypto) on plain
 * g_spawn and g_child_watch: GSubprocess's streams, GTask and thread pool
 * paged ≈ 0.75 MiB of GIO into the daemon (target: <= 6 MiB resident). */
#ifndef ECIVM_VMM_CHILD_H
#define ECIVM_VMM_CHILD_H

#include <glib.h>

typedef struct _EcivmChild EcivmChild;

/* WAIT_STATUS as from waitpid(); the child is reaped. */
typedef void (*EcivmChildExitFunc)(EcivmChild *child, int wait_status, gpointer user);

typedef struct {
        int fd;     /* taken: closed in ecivmd once spawned (or on failure) */
        int target; /* its number in the child */
} EcivmChildFd;

/* Runs ARGV (searched in PATH) with stdin from /dev/null, FDS[N_FDS] and no
 * other descriptor; stdout and stderr to LOG_PATH (created, not truncated)
 * or inherited if NULL.  With DIE_WITH_PARENT the child gets SIGTERM when
 * ecivmd dies.  EXIT runs once, from the main loop, when it has ended. */
EcivmChild *ecivm_child_spawn(const char *const *argv, EcivmChildFd *fds, gsize n_fds, const char *log_path,
                              gboolean die_with_parent, EcivmChildExitFunc exit, gpointer user, GError **error);
/* A no-op once the child has been reaped (its pid may be reused). */
void ecivm_child_kill(EcivmChild *child, int sig);
/* The pid as text, NULL once reaped (as g_subprocess_get_identifier). */
const char *ecivm_child_get_identifier(const EcivmChild *child);
/* Forgets CHILD: its EXIT will not run; a running child is still reaped. */
void ecivm_child_free(EcivmChild *child);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmChild, ecivm_child_free)

/* Runs ARGV (no PATH search) with IN on a pipe as stdin, FDS as above, and
 * waits: *RET_OUT and *RET_ERR get its stdout and stderr (NUL-terminated),
 * *RET_STATUS its wait status.  FALSE only if it could not run or be read.
 * SIGPIPE must be ignored (ecivmd does): the child may stop reading. */
gboolean ecivm_child_communicate(const char *const *argv, EcivmChildFd *fds, gsize n_fds, const void *in,
                                 gsize in_len, GString **ret_out, GString **ret_err, int *ret_status,
                                 GError **error);

#endif
