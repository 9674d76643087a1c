/* EVIDENCE: the fixed facts ecivm-init reports for attestation, the fields
 * of WIRE_EVIDENCE_FIELDS (contract.h).  Closed set, no path comes from the
 * host. */
#ifndef ECIVM_INIT_EVIDENCE_H
#define ECIVM_INIT_EVIDENCE_H

#include <stdint.h>

struct init_state;
struct wire_control;

void evidence_reply(struct init_state *s, const struct wire_control *request);

/* The root's verity status once dm-verity is set up: refuses to go on
 * (init_fail) when a corrupted block was read. */
void verity_fail_if_corrupted(struct init_state *s);

#endif
