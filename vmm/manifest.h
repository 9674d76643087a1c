/* The image manifest: what an image directory contains and what it was
 * built for.  JSON via json-glib, strict in both directions:
 *
 *   {
 *     "manifestVersion": 1,
 *     "kernel": { "path": "vmlinuz", "sha256": "<64 hex>", "release": "6.1.0-57-cloud-amd64" },
 *     "initrd": { "path": "initrd.img", "sha256": "<64 hex>" },
 *     "root": { "path": "root.erofs", "sha256": "<64 hex>", "format": "erofs" },
 *     "cmdline": "<as ecivm_cmdline_build() makes it with default params>",
 *     "packages": [ { "name": "docker.io", "version": "20.10.24+dfsg1-1+deb12u1+b6" }, … ],
 *     "created": "2025-01-02T03:04:05Z"        (optional)
 *   }
 *
 * Paths are plain file names relative to the manifest's directory.  Unknown
 * members are refused (new fields mean a new manifestVersion).  Errors are
 * ECIVM_ERROR_INVALID with "<origin>: <field>: <problem>", e.g.
 * "manifest.json: kernel.sha256: expected 64 lowercase hex digits". */
#ifndef ECIVM_VMM_MANIFEST_H
#define ECIVM_VMM_MANIFEST_H

#include <glib.h>

#define ECIVM_MANIFEST_VERSION 1
#define ECIVM_MANIFEST_MAX_SIZE (1024 * 1024)

typedef enum {
        ECIVM_ARTIFACT_KERNEL,
        ECIVM_ARTIFACT_INITRD,
        ECIVM_ARTIFACT_ROOT,
} EcivmArtifact;

typedef struct {
        char *name;
        char *version;
} EcivmManifestPackage;

typedef struct {
        guint manifest_version;
        struct {
                char *path;
                char *sha256;
                char *release;
        } kernel;
        struct {
                char *path;
                char *sha256;
        } initrd;
        struct {
                char *path;
                char *sha256;
                char *format;
        } root;
        char *cmdline;
        GPtrArray *packages; /* of EcivmManifestPackage *, in manifest order */
        char *created;       /* ISO 8601, or NULL */
        char *dir;           /* set by _load_file(): where paths resolve; not serialised */
} EcivmManifest;

/* Empty manifest (version 1, no packages). */
EcivmManifest *ecivm_manifest_new(void);
void ecivm_manifest_free(EcivmManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmManifest, ecivm_manifest_free)

void ecivm_manifest_add_package(EcivmManifest *m, const char *name, const char *version);

/* Semantic checks shared by every entry point; ORIGIN prefixes messages. */
gboolean ecivm_manifest_validate(const EcivmManifest *m, const char *origin, GError **error);

/* Pretty JSON in the fixed key order above, with a trailing newline.
 * Refuses an invalid manifest (origin "manifest"). */
char *ecivm_manifest_to_json(const EcivmManifest *m, GError **error);

/* Strict parse of JSON text (at most ECIVM_MANIFEST_MAX_SIZE bytes).
 * ORIGIN names the source in messages (NULL: "manifest"). */
EcivmManifest *ecivm_manifest_parse(const char *json, gsize len, const char *origin, GError **error);

/* Read and parse PATH (origin = PATH); sets m->dir to PATH's directory.
 * ECIVM_ERROR_IO if it cannot be read. */
EcivmManifest *ecivm_manifest_load_file(const char *path, GError **error);

const char *ecivm_artifact_name(EcivmArtifact which); /* "kernel" / "initrd" / "root" */
const char *ecivm_manifest_artifact_file(const EcivmManifest *m, EcivmArtifact which);
const char *ecivm_manifest_artifact_sha256(const EcivmManifest *m, EcivmArtifact which);
/* m->dir joined with the artifact's file name (or the bare name without dir). */
char *ecivm_manifest_artifact_path(const EcivmManifest *m, EcivmArtifact which);

/* ECIVM_ERROR_MISMATCH "kernel: digest mismatch: expected <a> actual <b>";
 * ECIVM_ERROR_INVALID if ACTUAL_SHA256 is not 64 lowercase hex digits. */
gboolean ecivm_manifest_check_artifact(const EcivmManifest *m, EcivmArtifact which,
                                       const char *actual_sha256, GError **error);

/* Build a manifest for the image script from its build outputs:
 *   build-info.env: KEY=VALUE lines (blank lines and '#' comments allowed)
 *     KERNEL_RELEASE, ROOT_FORMAT, KERNEL_SHA256, INITRD_SHA256, ROOT_SHA256
 *     (all required), CREATED (optional, ISO 8601); no quotes, no other keys.
 *   packages.txt: "name version" lines (blank lines allowed), at least one.
 * Artifact names are fixed: vmlinuz, initrd.img, root.<ROOT_FORMAT>.
 * Errors name the file and line: "build-info.env:3: KERNEL_SHA256: expected
 * 64 lowercase hex digits", "packages.txt:7: expected \"name version\"". */
EcivmManifest *ecivm_manifest_from_build_info(const char *build_info_env_text, const char *packages_txt,
                                              const char *cmdline, GError **error);

#endif
