/* What the policy needs to know about the VM, resolved here (I/O). */
#ifndef ECIVM_RUNC_FACTS_H
#define ECIVM_RUNC_FACTS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "policy.h"

typedef struct {
        GHashTable *vm_ns;       /* type -> "dev:ino" of PID 1's namespace */
        GHashTable *ns_identity; /* path -> "dev:ino" */
        GHashTable *binds;       /* source -> EciBindFact */
        GArray *protected_paths; /* EciProtected */
        GPtrArray *strings;      /* keeps the protected canons */
} EciFacts;

EciFacts *eci_facts_new(void);
void eci_facts_free(EciFacts *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EciFacts, eci_facts_free)

/* Resolves PID 1's namespaces, the config's namespace paths, bind sources
 * and the protected paths (MOUNTINFO: the text of /proc/self/mountinfo). */
void eci_facts_resolve(EciFacts *f, JsonNode *config, const char *mountinfo);

/* "maj:min:/path within the file system" of an absolute realpath. */
char *eci_canon_path(const char *mountinfo, const char *realpath);

/* Fills the context's fact fields from F. */
void eci_facts_to_context(const EciFacts *f, EciPolicyContext *ctx);

#endif
