#!/bin/sh
# make check: replay each parser's seed corpus through tests/fuzz/fuzz-parsers
# (the fuzz targets built without libFuzzer; under --enable-sanitizers with
# ASan+UBSan).  Seeds are the golden test inputs plus tests/fuzz/corpus/*.
builddir=${top_builddir:-.}
src=${top_srcdir:-${srcdir:-$(dirname "$0")/../..}}
prog=$builddir/tests/fuzz/fuzz-parsers
golden=$src/tests/unit/golden
corpus=$src/tests/fuzz/corpus

[ -x "$prog" ] || { echo "Bail out! missing $prog"; exit 1; }
set -- \
        "api-request $golden/api-proto" \
        "http $corpus/http $golden/api-filter" \
        "settings $corpus/settings $golden/settings $golden/daemon-options" \
        "manifest $golden/manifest/parse" \
        "attest $corpus/attest $golden/attest" \
        "eventlog $golden/eventlog" \
        "guest-cmdline $golden/guest-cmdline"
echo "1..$#"
n=0
for row in "$@"; do
        n=$((n + 1))
        target=${row%% *}
        # shellcheck disable=SC2086 # the row's directories are separate words
        if out=$("$prog" $row 2>&1); then
                echo "ok $n - $target ($(echo ${row#* } | wc -w) corpora)"
        else
                printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
                echo "not ok $n - $target"
        fi
done
