#!/bin/sh
# make check: replay the guest fuzz targets' corpora through
# tests/fuzz/fuzz-guest (built without libFuzzer; ASan+UBSan under
# --enable-sanitizers).  runc-policy's seeds are the golden policy cases.
builddir=${top_builddir:-.}
src=${top_srcdir:-${srcdir:-$(dirname "$0")/../..}}
prog=$builddir/tests/fuzz/fuzz-guest
corpus=$src/tests/fuzz/corpus

[ -x "$prog" ] || { echo "Bail out! missing $prog"; exit 1; }
set -- \
        "runc-policy $corpus/runc-policy $src/tests/unit/golden/runc-policy" \
        "guest-control $corpus/guest-control"
echo "1..$#"
n=0
for row in "$@"; do
        n=$((n + 1))
        target=${row%% *}
        # shellcheck disable=SC2086 # the row's directories are separate words
        if out=$("$prog" $row 2>&1); then
                echo "ok $n - $target ($(ls ${row#* } | wc -l) inputs)"
        else
                printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
                echo "not ok $n - $target"
        fi
done
