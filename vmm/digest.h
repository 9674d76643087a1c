/* SHA-256 of files (does I/O; OpenSSL EVP). */
#ifndef ECIVM_VMM_DIGEST_H
#define ECIVM_VMM_DIGEST_H

#include <glib.h>

#define ECIVM_SHA256_HEX_LEN 64

/* Hash the whole content of FD from offset 0 (pread, 1 MiB chunks; the file
 * offset is not moved).  OUT gets 64 lowercase hex digits and a NUL.
 * ECIVM_ERROR_IO on a read error (e.g. ESPIPE for a pipe). */
gboolean ecivm_sha256_fd(int fd, char out[ECIVM_SHA256_HEX_LEN + 1], GError **error);

/* Same for a path (opened O_RDONLY|O_CLOEXEC|O_NOCTTY). */
gboolean ecivm_sha256_file(const char *path, char out[ECIVM_SHA256_HEX_LEN + 1], GError **error);

#endif
