/* The image manifest: what an image directory contains and what it was
 * built for.  JSON via json-glib, strict in both directions:
 *
 *   {
 *     "manifestVersion": 2,
 *     "kernel": { "path": "vmlinuz", "sha256": "<64 hex>", "release": "6.1.0-57-cloud-amd64" },
 *     "initrd": { "path": "initrd.img", "sha256": "<64 hex>" },
 *     "root": { "path": "root.erofs", "format": "erofs", "dataBlocks": 70757,
 *               "hashTree": "root.verity", "hashTreeSha256": "<64 hex>",
 *               "verityRootHash": "<64 hex>", "veritySalt": "<64 hex>" },
 *     "cmdline": "<as ecivm_cmdline_build() makes it with default params and
 *                 the root's verity values (ecivm_manifest_cmdline_params())>",
 *     "suite": "bookworm",                     (optional)
 *     "packages": [ { "name": "docker.io", "version": "20.10.24+dfsg1-1+deb12u1+b6",
 *                     "sha256": "<64 hex: the .deb>" }, … ],
 *     "created": "2025-01-02T03:04:05Z"        (optional)
 *   }
 *
 * "suite" (the Debian suite the guest packages come from) and each
 * package's "sha256" (of its .deb) were added to version 2 without a new
 * version number: they come together (a manifest naming its suite gives
 * every package's digest, one without gives none), so every manifest
 * written before them still parses.  An ecivm older than them refuses a
 * manifest that has them (unknown field).
 *
 * Version 2 protects the root with dm-verity (sha256, 4096-byte data and
 * hash blocks, hash tree after veritysetup's superblock in its own file):
 * the root image itself is not hashed before boot, the guest kernel checks
 * every block it reads against verityRootHash, which is on the measured
 * command line.  The hash tree file is hashed before boot (2-3 MB), so a
 * damaged tree is refused early rather than failing in the guest.
 * The manifest is signed by a detached manifest.json.sig (sign.h).
 *
 * Paths are plain file names relative to the manifest's directory.  Unknown
 * members are refused (new fields mean a new manifestVersion).  Errors are
 * ECIVM_ERROR_INVALID with "<origin>: <field>: <problem>", e.g.
 * "manifest.json: kernel.sha256: expected 64 lowercase hex digits". */
#ifndef ECIVM_VMM_MANIFEST_H
#define ECIVM_VMM_MANIFEST_H

#include <glib.h>

#include "cmdline.h"

#define ECIVM_MANIFEST_VERSION 2
#define ECIVM_VERITY_BLOCK_SIZE 4096
#define ECIVM_MANIFEST_MAX_SIZE (1024 * 1024)

typedef enum {
        ECIVM_ARTIFACT_KERNEL,
        ECIVM_ARTIFACT_INITRD,
        ECIVM_ARTIFACT_ROOT,      /* not hashed: dm-verity checks it in the guest */
        ECIVM_ARTIFACT_HASH_TREE, /* root.verity */
} EcivmArtifact;

typedef struct {
        char *name;
        char *version;
        char *sha256; /* of the .deb; NULL in manifests without "suite" */
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
                char *format;
                guint64 data_blocks; /* of ECIVM_VERITY_BLOCK_SIZE bytes */
                char *hash_tree;
                char *hash_tree_sha256;
                char *verity_root_hash;
                char *verity_salt;
        } root;
        char *cmdline;
        char *suite;         /* Debian suite, or NULL (then no package has a sha256) */
        GPtrArray *packages; /* of EcivmManifestPackage *, in manifest order */
        char *created;       /* ISO 8601, or NULL */
        char *dir;           /* set by _load_file(): where paths resolve; not serialised */
} EcivmManifest;

/* Empty manifest (version 2, no packages). */
EcivmManifest *ecivm_manifest_new(void);
void ecivm_manifest_free(EcivmManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmManifest, ecivm_manifest_free)

void ecivm_manifest_add_package(EcivmManifest *m, const char *name, const char *version);
/* SHA256: the .deb's, or NULL. */
void ecivm_manifest_add_package_deb(EcivmManifest *m, const char *name, const char *version, const char *sha256);

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

/* "kernel" / "initrd" / "root" / "hashtree" */
const char *ecivm_artifact_name(EcivmArtifact which);
const char *ecivm_manifest_artifact_file(const EcivmManifest *m, EcivmArtifact which);
const char *ecivm_manifest_artifact_sha256(const EcivmManifest *m, EcivmArtifact which);
/* m->dir joined with the artifact's file name (or the bare name without dir). */
char *ecivm_manifest_artifact_path(const EcivmManifest *m, EcivmArtifact which);

/* ECIVM_ERROR_MISMATCH "kernel: digest mismatch: expected <a> actual <b>";
 * ECIVM_ERROR_INVALID if ACTUAL_SHA256 is not 64 lowercase hex digits. */
gboolean ecivm_manifest_check_artifact(const EcivmManifest *m, EcivmArtifact which,
                                       const char *actual_sha256, GError **error);

/* P (already initialised, e.g. by ecivm_cmdline_params_init()) gets the
 * manifest's verity values; the strings point into M. */
void ecivm_manifest_cmdline_params(const EcivmManifest *m, EcivmCmdlineParams *p);

/* Build a manifest for the image script from its build outputs:
 *   build-info.env: KEY=VALUE lines (blank lines and '#' comments allowed)
 *     KERNEL_RELEASE, ROOT_FORMAT, KERNEL_SHA256, INITRD_SHA256,
 *     VERITY_ROOT_HASH, VERITY_SALT, VERITY_HASH_SHA256, VERITY_DATA_BLOCKS
 *     (all required), ROOT_SHA256, CREATED (optional, ISO 8601) and SUITE
 *     (optional), the build's facts (KERNEL_PACKAGE, …); no quotes, no
 *     other keys.
 *   The cmdline is built from PARAMS (NULL: the defaults) plus the verity
 *   values.
 *   packages.txt: "name version" lines (blank lines allowed), at least one;
 *     "name version sha256" (the .deb's) when build-info.env has SUITE.
 * Artifact names are fixed: vmlinuz, initrd.img, root.<ROOT_FORMAT>,
 * root.verity.
 * Errors name the file and line: "build-info.env:3: KERNEL_SHA256: expected
 * 64 lowercase hex digits", "packages.txt:7: expected \"name version\"". */
EcivmManifest *ecivm_manifest_from_build_info(const char *build_info_env_text, const char *packages_txt,
                                              const EcivmCmdlineParams *params, GError **error);

#endif
