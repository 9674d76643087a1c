#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "digest.h"
#include "error.h"
#include "measure.h"

static const EcivmArtifact artifacts[] = { ECIVM_ARTIFACT_KERNEL, ECIVM_ARTIFACT_INITRD, ECIVM_ARTIFACT_ROOT };

void ecivm_measured_image_free(EcivmMeasuredImage *m)
{
        if (!m)
                return;
        if (m->kernel_fd >= 0)
                close(m->kernel_fd);
        if (m->initrd_fd >= 0)
                close(m->initrd_fd);
        if (m->root_fd >= 0)
                close(m->root_fd);
        ecivm_manifest_free(m->manifest);
        g_free(m->cmdline);
        g_free(m);
}

static gboolean measure_one(EcivmMeasuredImage *m, EcivmArtifact which, int *ret_fd, char *sha, GError **error)
{
        g_autofree char *path = ecivm_manifest_artifact_path(m->manifest, which);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s: %s", ecivm_artifact_name(which), path,
                            g_strerror(errno));
                return FALSE;
        }
        *ret_fd = fd;
        return ecivm_sha256_fd(fd, sha, error) && ecivm_manifest_check_artifact(m->manifest, which, sha, error);
}

EcivmMeasuredImage *ecivm_measure_image(const char *image_dir, const EcivmCmdlineParams *params, GError **error)
{
        g_autoptr(EcivmMeasuredImage) m = g_new0(EcivmMeasuredImage, 1);
        g_autofree char *manifest_path = g_build_filename(image_dir, "manifest.json", NULL);
        int *fds[] = { &m->kernel_fd, &m->initrd_fd, &m->root_fd };
        char *shas[] = { m->kernel_sha256, m->initrd_sha256, m->root_sha256 };

        m->kernel_fd = m->initrd_fd = m->root_fd = -1;
        m->manifest = ecivm_manifest_load_file(manifest_path, error);
        if (!m->manifest)
                return NULL;
        for (guint i = 0; i < G_N_ELEMENTS(artifacts); i++)
                if (!measure_one(m, artifacts[i], fds[i], shas[i], error))
                        return NULL;
        m->cmdline = ecivm_cmdline_build(params, error);
        if (!m->cmdline)
                return NULL;
        if (g_strcmp0(m->cmdline, m->manifest->cmdline) != 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_MISMATCH,
                            "cmdline: differs from the manifest: expected \"%s\" actual \"%s\"", m->manifest->cmdline,
                            m->cmdline);
                return NULL;
        }
        return g_steal_pointer(&m);
}
