/* ecivmd's digests and signatures run in ecivm-crypto (a pkglibexec helper):
 * OpenSSL's libcrypto, once initialised, keeps about 3.7 MiB resident and
 * cannot be unloaded, several times the rest of the idle daemon.
 * crypto-helper.c defines, for ecivmd only, the digest.h and sign.h
 * functions the daemon calls (measurement, attestation) by running the
 * helper; the CLI and the tests link the in-process digest.c and sign.c.
 * A call costs a fork and exec (a few ms), once per start or attestation. */
#ifndef ECIVM_VMM_CRYPTO_HELPER_H
#define ECIVM_VMM_CRYPTO_HELPER_H

#define ECIVM_CRYPTO_HELPER "ecivm-crypto"
/* exit status = base + EcivmErrorCode */
#define ECIVM_CRYPTO_EXIT_BASE 64

#endif
