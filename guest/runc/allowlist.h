/* The admin's image allow-list for Docker socket mounts
 * (dockerSocketMount.imageList in WIRE_PATH_ECI_JSON, written by ecivm-init
 * from the settings the host pushes). */
#ifndef ECIVM_RUNC_ALLOWLIST_H
#define ECIVM_RUNC_ALLOWLIST_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* Pure: is the image IMAGE_ID (dockerd's "sha256:…"), which the container
 * was created from under the name IMAGE_NAME, on the list?  REPOSITORIES is
 * dockerd's image/overlay2/repositories.json ({"Repositories": {repo: {ref:
 * id}}}).  Patterns: "*", "name@sha256:…", "name:tag", "name:*"; names are
 * normalised (docker.io/library/ and docker.io/ dropped).  A name:tag or
 * name:* pattern only matches an image that came from that repository's
 * registry (the repository lists a digest reference for it), so a local
 * re-tag does not get past the list.  allowDerivedImages: IMAGE_LAYERS
 * (image id -> its rootfs.diff_ids array; NULL when not allowed) also lets
 * an image whose layers start with all the layers of an image the list
 * allows (one built FROM it). */
gboolean eci_allowlist_match(JsonArray *patterns, const char *image_id, const char *image_name,
                             JsonObject *repositories, GHashTable *image_layers);

/* Loads the list (and allowDerivedImages) from SETTINGS_PATH, the
 * container's record and the image store under DOCKER_ROOT, and matches.  Any missing file or field: FALSE. */
gboolean eci_allowlist_allows(const char *settings_path, const char *docker_root, const char *container_id);

#endif
