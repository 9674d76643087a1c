#include "config.h"

#include "error.h"

G_DEFINE_QUARK(ecivm-error-quark, ecivm_error)
