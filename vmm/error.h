/* ecivm host-side error domain.
 *
 * Every vmm/ function that can fail takes a trailing GError ** and reports
 * through this domain (or GIO's/GLib's when it only forwards theirs).  The
 * message always starts with what was wrong ("kernel: digest mismatch: …"),
 * never with "failed to"; callers add context with g_prefix_error().
 */
#ifndef ECIVM_VMM_ERROR_H
#define ECIVM_VMM_ERROR_H

#include <glib.h>

typedef enum {
        ECIVM_ERROR_INVALID,  /* malformed input: settings, manifest, plan fields */
        ECIVM_ERROR_MISMATCH, /* measured value differs from the expected one */
        ECIVM_ERROR_IO,       /* reading or writing a file or fd failed */
        ECIVM_ERROR_REFUSED,  /* valid input that policy does not allow */
        ECIVM_ERROR_STATE,    /* operation not possible in the current state */
        ECIVM_ERROR_PROTOCOL, /* the peer (guest, QEMU) broke the protocol */
} EcivmErrorCode;

GQuark ecivm_error_quark(void);

/* ECIVM_ERROR_INVALID "FIELD: <message>"; returns FALSE for `return refuse…`. */
gboolean ecivm_error_field(GError **error, const char *field, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
#define ECIVM_ERROR ecivm_error_quark()

#endif
