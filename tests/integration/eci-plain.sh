#!/bin/bash
# The other half of the escape battery: on the test image (images/out-test,
# never the image users boot), every attempt of eci-lib.sh works under the
# real runc (runtime "plain-runc"), so no check of eci-runc.sh passes
# vacuously.
. "$(dirname "$0")/lib.sh"
export ECIVM_IMAGE_DIR="$top_builddir/images/out-test"
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
. "$(dirname "$0")/eci-lib.sh"
require_image
vm_lock

up_out=$("$ECIVM" up --accel=tcg 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
ok "ecivm up (test image)"
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
make_probe_image || bail "probe image"
make_attempt_volumes || bail "volumes"
for e in "${ATTEMPTS[@]}"; do
        name=${e%%|*}
        run_attempt plain-runc "$e"
        if grep -q ESCAPED <<<"$out"; then ok "escape $name works under plain runc"
        else not_ok "escape $name does not work under plain runc (the ECI check would be vacuous)"; diag "$out"; fi
done
finish
