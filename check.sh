#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what
# is needed, builds, builds the guest image, runs unit and integration tests
# (the integration tests boot the real VM under TCG), then runs the unit tests
# once more under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")"
# a regeneration run rewrites golden files and fails by design: never in a check
[ -z "${ECIVM_REGENERATE_GOLDEN+set}" ] || { echo "check.sh: ECIVM_REGENERATE_GOLDEN is set; unset it (golden files are regenerated only by hand, see tests/local.mk)" >&2; exit 1; }

tools/install-deps.sh
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure -q
make -s -j2
make -s images
make -s images-test # the test image (plain-runc beside ecivm-runc): only the tests boot it
make -j2 check || { cat tests/test-suite.log 2>/dev/null | tail -100; exit 1; }

echo "[check] mutation check (tests/README.md; about 2 min on 2 cores from scratch)"
make -s check-mutation

echo "[check] static analysis (cppcheck, clang-tidy)"
tools/static-analysis.sh

echo "[check] protocol and mux unit tests under valgrind memcheck"
make -s check-valgrind

echo "[check] unit tests again under ASan+UBSan"
# configure refuses a second build beside an in-tree one, so the sanitizer
# build gets its own copy of the sources (the committed tree, or a distdir)
rm -rf build-asan
mkdir -p build-asan
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git archive --format=tar HEAD | tar -x -C build-asan
else
        make -s distdir distdir=build-asan
fi
(cd build-asan && ./autogen.sh >/dev/null 2>&1 && ./configure -q --enable-sanitizers &&
        make -s -j2 check-unit) || { tail -100 build-asan/tests/test-suite.log 2>/dev/null; exit 1; }
echo "[check] all passed"
