#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "error.h"
#include "measure.h"
#include "sign.h"

void ecivm_measured_image_free(EcivmMeasuredImage *m)
{
        int *fds[4];

        if (!m)
                return;
        fds[0] = &m->kernel_fd;
        fds[1] = &m->initrd_fd;
        fds[2] = &m->root_fd;
        fds[3] = &m->hash_tree_fd;
        for (guint i = 0; i < G_N_ELEMENTS(fds); i++)
                if (*fds[i] >= 0)
                        close(*fds[i]);
        ecivm_manifest_free(m->manifest);
        ecivm_event_log_free(m->event_log);
        g_free(m->signer);
        g_free(m->cmdline);
        g_free(m);
}

static gint sort_paths(gconstpointer a, gconstpointer b)
{
        return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

GStrv ecivm_default_trusted_keys(void)
{
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        g_autoptr(GDir) dir = g_dir_open(ECIVM_DEFAULT_TRUSTED_KEY_DIR, 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;

        while (dir && (name = g_dir_read_name(dir)) != NULL)
                if (g_str_has_suffix(name, ".pub"))
                        g_ptr_array_add(names, g_build_filename(ECIVM_DEFAULT_TRUSTED_KEY_DIR, name, NULL));
        g_ptr_array_sort(names, sort_paths);
        for (guint i = 0; i < names->len; i++)
                g_strv_builder_add(b, names->pdata[i]);
        return g_strv_builder_end(b);
}

static int open_artifact(EcivmMeasuredImage *m, EcivmArtifact which, GError **error)
{
        g_autofree char *path = ecivm_manifest_artifact_path(m->manifest, which);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s: %s", ecivm_artifact_name(which), path,
                            g_strerror(errno));
        return fd;
}

static gboolean measure_one(EcivmMeasuredImage *m, EcivmArtifact which, int *ret_fd, char *sha, GError **error)
{
        *ret_fd = open_artifact(m, which, error);
        return *ret_fd >= 0 && ecivm_sha256_fd(*ret_fd, sha, error) &&
               ecivm_manifest_check_artifact(m->manifest, which, sha, error);
}

/* The root is not hashed here (dm-verity does it in the guest), but its
 * size must be exactly what the hash tree covers. */
static gboolean open_root(EcivmMeasuredImage *m, GError **error)
{
        guint64 expected = m->manifest->root.data_blocks * ECIVM_VERITY_BLOCK_SIZE;
        struct stat st;

        m->root_fd = open_artifact(m, ECIVM_ARTIFACT_ROOT, error);
        if (m->root_fd < 0)
                return FALSE;
        if (fstat(m->root_fd, &st) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "root: fstat: %s", g_strerror(errno));
                return FALSE;
        }
        if (!S_ISREG(st.st_mode) || (guint64) st.st_size != expected) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_MISMATCH,
                            "root: size mismatch: expected %" G_GUINT64_FORMAT " bytes actual %" G_GUINT64_FORMAT,
                            expected, (guint64) st.st_size);
                return FALSE;
        }
        return TRUE;
}

static gboolean load_signed_manifest(EcivmMeasuredImage *m, const char *image_dir, const char *const *trusted_keys,
                                     GError **error)
{
        g_autofree char *path = g_build_filename(image_dir, "manifest.json", NULL);
        g_autofree char *sig_path = g_strconcat(path, ECIVM_MANIFEST_SIG_SUFFIX, NULL);
        g_autofree char *text = NULL, *sig = NULL, *hex = NULL;
        g_auto(GStrv) defaults = NULL;
        gsize len = 0;
        g_autoptr(GError) local = NULL;

        if (!g_file_get_contents(path, &text, &len, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s", local->message);
                return FALSE;
        }
        if (!g_file_get_contents(sig_path, &sig, NULL, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "manifest.json: signature missing: %s",
                            local->message);
                return FALSE;
        }
        if (trusted_keys == NULL || trusted_keys[0] == NULL) {
                defaults = ecivm_default_trusted_keys();
                trusted_keys = (const char *const *) defaults;
                if (trusted_keys[0] == NULL) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED,
                                    "manifest.json: no trusted key (use --trusted-key or put *.pub in %s)",
                                    ECIVM_DEFAULT_TRUSTED_KEY_DIR);
                        return FALSE;
                }
        }
        if (!ecivm_sign_verify(trusted_keys, "manifest.json", text, len, sig, &m->signer, error))
                return FALSE;
        hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) text, len);
        g_strlcpy(m->manifest_sha256, hex, sizeof(m->manifest_sha256));
        m->manifest = ecivm_manifest_parse(text, len, path, error);
        if (!m->manifest)
                return FALSE;
        m->manifest->dir = g_strdup(image_dir);
        return TRUE;
}

gboolean ecivm_measured_image_log(EcivmMeasuredImage *m, const EcivmVmConfig *c, const char *effective,
                                  const char *eci_config, GError **error)
{
        g_autofree char *settings = g_strdup_printf("effective=%s\naccel_mode=%d\nboot_timeout_s=%u\nqemu_binary=%s\n"
                                                    "image_dir=%s\n",
                                                    effective ? effective : "{}", (int) c->accel_mode,
                                                    c->boot_timeout_s, c->qemu_binary, c->image_dir);
        const EcivmManifest *mf = m->manifest;
        EcivmBootMeasurements b = {
                .kernel_path = mf->kernel.path, .kernel_release = mf->kernel.release,
                .kernel_sha256 = m->kernel_sha256, .initrd_path = mf->initrd.path,
                .initrd_sha256 = m->initrd_sha256, .cmdline = m->cmdline,
                .verity_root_hash = mf->root.verity_root_hash, .verity_salt = mf->root.verity_salt,
                .hash_tree_sha256 = m->hash_tree_sha256, .data_blocks = mf->root.data_blocks,
                .settings_text = settings, .eci_config_text = eci_config,
        };

        ecivm_event_log_free(m->event_log);
        m->event_log = ecivm_event_log_for_boot(&b, error);
        return m->event_log != NULL;
}

EcivmMeasuredImage *ecivm_measure_image(const char *image_dir, const char *const *trusted_keys,
                                        const EcivmCmdlineParams *params, GError **error)
{
        g_autoptr(EcivmMeasuredImage) m = g_new0(EcivmMeasuredImage, 1);
        EcivmCmdlineParams p = *params;

        m->kernel_fd = m->initrd_fd = m->root_fd = m->hash_tree_fd = -1;
        if (!load_signed_manifest(m, image_dir, trusted_keys, error) ||
            !measure_one(m, ECIVM_ARTIFACT_KERNEL, &m->kernel_fd, m->kernel_sha256, error) ||
            !measure_one(m, ECIVM_ARTIFACT_INITRD, &m->initrd_fd, m->initrd_sha256, error) ||
            !measure_one(m, ECIVM_ARTIFACT_HASH_TREE, &m->hash_tree_fd, m->hash_tree_sha256, error) ||
            !open_root(m, error))
                return NULL;
        ecivm_manifest_cmdline_params(m->manifest, &p);
        m->cmdline = ecivm_cmdline_build(&p, error);
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
