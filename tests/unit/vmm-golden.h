/* Golden-file helpers for the vmm/ unit tests (cmocka).
 *
 * Inputs and expected outputs live under GOLDEN_DIR/<module>/.  A case is an
 * input file "<name><suffix>" with its expected output "<name>.out"; a
 * failing case's .out holds "error: <exact message>".  Cases named
 * "refuse-*" must fail, all others must succeed.
 *
 * Normal runs compare.  ECIVM_REGENERATE_GOLDEN=1 rewrites every .out that
 * differs from the current output instead, and the test program then exits 1
 * listing the files it rewrote (golden-regen.h; review the diff, run again):
 *   ECIVM_REGENERATE_GOLDEN=1 make check TESTS='tests/unit/test-cmdline'
 */
#ifndef ECIVM_TESTS_VMM_GOLDEN_H
#define ECIVM_TESTS_VMM_GOLDEN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must be defined by the build"
#endif

gboolean golden_regenerating(void);
/* GOLDEN_DIR "/" rel */
char *golden_path(const char *rel);
/* Contents of GOLDEN_DIR/rel, or NULL if it does not exist. */
char *golden_try_read(const char *rel, gsize *len);
/* Contents of GOLDEN_DIR/rel; fails the test if it cannot be read. */
char *golden_read(const char *rel, gsize *len);
/* Compare ACTUAL with GOLDEN_DIR/rel (or rewrite it when regenerating, which
 * makes the program exit 1). */
void golden_compare(const char *rel, const char *actual);
/* "error: <message>\n" */
char *golden_error_text(const GError *error);

/* The case runner: each test's *state is "<subdir>/<name>" (without suffix). */
typedef void (*GoldenCaseFunc)(const char *case_base, const char *case_name);

/* Runs the fixed tests plus one test per "<name><suffix>" file found in
 * GOLDEN_DIR/<subdir> (sorted); returns the number of failures.  Fails if
 * the directory holds fewer than MIN_CASES cases. */
int golden_run(const char *group, const struct CMUnitTest *fixed, size_t n_fixed, const char *subdir,
               const char *suffix, GoldenCaseFunc fn, guint min_cases);

/* Several case directories in one group. */
typedef struct {
        const char *subdir;
        const char *suffix;
        GoldenCaseFunc fn;
        guint min_cases;
} GoldenCaseSet;

int golden_run_sets(const char *group, const struct CMUnitTest *fixed, size_t n_fixed, const GoldenCaseSet *sets,
                    size_t n_sets);

/* Asserts that a "refuse-*" case failed and others succeeded. */
void golden_assert_outcome(const char *case_name, gboolean succeeded, const GError *error);

/* For suites whose every case names its outcome: "allow-*" must be allowed,
 * "deny-*" denied, and any other name fails (so a regenerated .out can never
 * flip an outcome unnoticed).  WHY is the denial's reason, for the message. */
void golden_assert_allow_deny(const char *case_name, gboolean denied, const char *why);

#endif
