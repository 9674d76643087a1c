/* Golden files for the guest unit tests, in plain C (the guest code links
 * no GLib), with the same conventions as vmm-golden.h: a case is an input
 * "<name><suffix>" under GOLDEN_DIR/<subdir> with its expected output
 * "<name>.out"; cases named "refuse-*" must fail.  ECIVM_REGENERATE_GOLDEN=1
 * rewrites every .out that differs from the current output and the program
 * exits 1 listing them (golden-regen.h; review the diff). */
#ifndef ECIVM_TESTS_GUEST_GOLDEN_H
#define ECIVM_TESTS_GUEST_GOLDEN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must be defined by the build"
#endif

/* Contents of GOLDEN_DIR/rel (malloc'ed), or NULL if unreadable. */
char *guest_golden_read(const char *rel);
/* Compares ACTUAL with GOLDEN_DIR/rel, or rewrites it when regenerating. */
void guest_golden_compare(const char *rel, const char *actual);

typedef void (*guest_golden_fn)(const char *subdir, const char *name);

/* One cmocka test per "<name><suffix>" in GOLDEN_DIR/<subdir> (sorted) after
 * the FIXED tests; fails when fewer than MIN_CASES are found. */
int guest_golden_run(const char *group, const struct CMUnitTest *fixed, size_t n_fixed, const char *subdir,
                     const char *suffix, guest_golden_fn fn, size_t min_cases);

#endif
