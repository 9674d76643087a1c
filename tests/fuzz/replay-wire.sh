#!/bin/sh
# make check: replay the wire fuzz corpus through tests/fuzz/fuzz-wire (the
# fuzz target built without libFuzzer), one TAP line per input.  The test
# harness runs it from the top build directory with srcdir (and top_builddir,
# top_srcdir) in the environment.
builddir=${top_builddir:-.}
corpus=${top_srcdir:-${srcdir:-$(dirname "$0")/../..}}/tests/fuzz/corpus/wire
prog=$builddir/tests/fuzz/fuzz-wire

set -- "$corpus"/*
if [ ! -x "$prog" ] || [ ! -e "$1" ]; then
        echo "Bail out! missing $prog or no inputs in $corpus"
        exit 1
fi
echo "1..$#"
n=0
for f in "$@"; do
        n=$((n + 1))
        if out=$("$prog" "$f" 2>&1); then
                echo "ok $n - $(basename "$f")"
        else
                printf '%s\n' "$out" | sed 's/^/# /'
                echo "not ok $n - $(basename "$f")"
        fi
done
