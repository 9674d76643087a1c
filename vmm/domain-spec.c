#include "config.h"

#include "domain-spec.h"

const char *
ecivm_domain_spec_keep(EcivmDomainSpec *s, const char *value)
{
        char *copy = g_strdup(value);

        if (copy != NULL)
                g_ptr_array_add(s->owned, copy);
        return copy;
}

static const char *
keep_owned(EcivmDomainSpec *s, char *value)
{
        g_ptr_array_add(s->owned, value);
        return value;
}

char *
ecivm_domain_uuid_for(const char *state_dir)
{
        g_autofree char *canon = g_canonicalize_filename(state_dir, NULL);
        g_autofree char *seed = g_strconcat("ecivm-domain:", canon, NULL);
        g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
        guint8 b[32];
        gsize len = sizeof(b);

        g_checksum_update(sum, (const guchar *)seed, -1);
        g_checksum_get_digest(sum, b, &len);
        b[6] = (guint8)((b[6] & 0x0f) | 0x80); /* version 8: custom (RFC 9562) */
        b[8] = (guint8)((b[8] & 0x3f) | 0x80); /* variant 10 */
        return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                               b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                               b[15]);
}

static const char *
absolute(EcivmDomainSpec *s, char *path)
{
        char *canon = g_canonicalize_filename(path, NULL);

        g_free(path);
        return keep_owned(s, canon);
}

EcivmDomainSpec *
ecivm_domain_spec_new(const EcivmMeasuredImage *m, const char *state_dir, const char *socket_dir)
{
        EcivmDomainSpec *s = g_new0(EcivmDomainSpec, 1);
        EcivmDomainParams *p = &s->params;
        const EcivmManifest *man = m->manifest;

        s->owned = g_ptr_array_new_with_free_func(g_free);
        ecivm_domain_params_init(p);
        p->name = ECIVM_DOMAIN_DEFAULT_NAME;
        p->uuid = keep_owned(s, ecivm_domain_uuid_for(state_dir));
        p->kernel = absolute(s, ecivm_manifest_artifact_path(man, ECIVM_ARTIFACT_KERNEL));
        p->initrd = absolute(s, ecivm_manifest_artifact_path(man, ECIVM_ARTIFACT_INITRD));
        p->root_image = absolute(s, ecivm_manifest_artifact_path(man, ECIVM_ARTIFACT_ROOT));
        p->verity_hash = absolute(s, ecivm_manifest_artifact_path(man, ECIVM_ARTIFACT_HASH_TREE));
        p->cmdline = m->cmdline;
        p->data_disk = absolute(s, g_build_filename(state_dir, "data.img", NULL));
        p->console_log = absolute(s, g_build_filename(state_dir, "console.log", NULL));
        p->control_socket = absolute(s, g_build_filename(socket_dir, "libvirt-control.sock", NULL));
        p->docker_socket = absolute(s, g_build_filename(socket_dir, "libvirt-docker.sock", NULL));
        p->manifest_sha256 = m->manifest_sha256;
        p->kernel_sha256 = m->kernel_sha256;
        p->initrd_sha256 = m->initrd_sha256;
        p->hash_tree_sha256 = m->hash_tree_sha256;
        return s;
}

void
ecivm_domain_spec_free(EcivmDomainSpec *s)
{
        if (s == NULL)
                return;
        g_ptr_array_unref(s->owned);
        g_free(s);
}
