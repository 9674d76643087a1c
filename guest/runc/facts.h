/* What the policy needs to know about the VM, resolved here (I/O). */
#ifndef ECIVM_RUNC_FACTS_H
#define ECIVM_RUNC_FACTS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "policy.h"

typedef struct {
        GHashTable *vm_ns;       /* type -> "dev:ino" of PID 1's namespace */
        GHashTable *ns_identity; /* path -> "dev:ino" */
        GHashTable *binds;       /* source -> EciBindFact, holding an O_PATH fd */
        char *ipc_container;     /* whose IPC namespace the config joins, if a container's */
        char *docker_init;       /* realpath of dockerd's docker-init */
} EciFacts;

EciFacts *eci_facts_new(void);
void eci_facts_free(EciFacts *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EciFacts, eci_facts_free)

/* Resolves PID 1's namespaces, the config's namespace paths and every bind
 * source, each once, by file descriptor (see mount-sources.h).  ID is the
 * container being created, RUNC_ROOT the real runc's state directory. */
void eci_facts_resolve(EciFacts *f, JsonNode *config, const char *id, const char *runc_root);

/* How SOURCE is reached from the VM's root: the fact for the policy, with
 * an O_PATH fd of what the mount must be made from (exported for tests). */
EciBindFact *eci_bind_fact_resolve(const char *source);
/* the same below ROOT_FD (whose path is ROOT), which stands for the VM's root */
EciBindFact *eci_bind_fact_resolve_at(int root_fd, const char *root, const char *source);
void eci_bind_fact_free(EciBindFact *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EciBindFact, eci_bind_fact_free)

/* Fills the context's fact fields from F. */
void eci_facts_to_context(const EciFacts *f, EciPolicyContext *ctx);

#endif
