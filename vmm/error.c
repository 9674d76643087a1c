#include "config.h"

#include <stdarg.h>

#include "error.h"

G_DEFINE_QUARK(ecivm-error-quark, ecivm_error)

gboolean ecivm_error_field(GError **error, const char *field, const char *fmt, ...)
{
        va_list ap;
        g_autofree char *msg = NULL;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s", field, msg);
        return FALSE;
}
