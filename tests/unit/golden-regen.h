/* Golden regeneration, shared by vmm-golden.c, guest-golden.c and test-wire.c
 * (plain C: the guest tests link no GLib).
 *
 * ECIVM_REGENERATE_GOLDEN unset or empty: compare.  "1": write every golden
 * file whose content differs, then exit 1 listing what was rewritten, so a
 * regeneration run never reads as a pass (review `git diff tests/unit/golden`
 * and run again without the variable).  Any other value: exit 1 at once. */
#ifndef ECIVM_TESTS_GOLDEN_REGEN_H
#define ECIVM_TESTS_GOLDEN_REGEN_H

#include <stddef.h>

/* 1 when regenerating, 0 when comparing; exits 1 on any other value. */
int golden_regen_mode(void);
/* Regeneration: writes LEN bytes of DATA to PATH unless it already holds
 * them; the process then exits 1 listing every file it rewrote. */
void golden_regen_write(const char *path, const void *data, size_t len);
/* For files written by the caller: records PATH as rewritten (CHANGED) or
 * unchanged. */
void golden_regen_note(const char *path, int changed);

#endif
