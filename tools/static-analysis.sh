#!/bin/bash
# cppcheck and clang-tidy over the project's C (wire/ vmm/ guest/), with the
# checked-in .clang-tidy; exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f config.h ] || { echo "static-analysis: run ./configure first (config.h)" >&2; exit 2; }
dirs=(wire vmm guest)

echo "[analysis] cppcheck"
cppcheck --quiet --library=gtk --enable=warning,performance,portability --inline-suppr --std=c11 \
        -I wire -I vmm -I guest/init -I guest/procfs \
        '-DG_DEFINE_QUARK(a,b)=' '-DG_GNUC_PRINTF(a,b)=' \
        --suppress=missingIncludeSystem --error-exitcode=1 \
        --suppress=memleak:vmm/libvirt-event.c `# ownership passes to g_idle_add` \
        "${dirs[@]}"

echo "[analysis] clang-tidy"
glib=$(pkg-config --cflags glib-2.0 gio-2.0 gio-unix-2.0 json-glib-1.0 libvirt fuse3)
mapfile -t files < <(git ls-files -- 'wire/*.c' 'vmm/*.c' 'guest/*.c')
fail=0
for f in "${files[@]}"; do
        clang-tidy --quiet "$f" -- -std=gnu11 -include config.h -I. -Iwire -Ivmm -Iguest/init -Iguest/runc -Iguest/procfs $glib \
                -DECIVM_LIBEXECDIR='""' -DECIVM_DATADIR='""' -DECIVM_SYSCONFDIR='""' -DECIVM_LOCALSTATEDIR='""' \
                -DECIVM_SBINDIR='""' -DECIVM_PKGLIBDIR='""' >"/tmp/clang-tidy.$$.log" 2>&1 || true
        if grep -qE "(warning|error):" "/tmp/clang-tidy.$$.log"; then
                grep -E -A3 "(warning|error):" "/tmp/clang-tidy.$$.log" | head -30
                fail=1
        fi
done
rm -f "/tmp/clang-tidy.$$.log"
[ $fail -eq 0 ] && echo "[analysis] clean"
exit $fail
