#!/bin/sh
# Fuzz one target for SECONDS under nice -n 19 and print one summary row
# (date, target, seconds, execs, corpus files, result) on stdout; the full
# libFuzzer log goes to tests/out/fuzz-logs/TARGET.log.  The libFuzzer builds
# come from `make fuzz-wire|fuzz-parsers|fuzz-guest FUZZ_SECONDS=1`.
# Usage: tests/fuzz/fuzz-one.sh TARGET [SECONDS]   (run from the build dir)
set -u
target=${1%%#*} # "wire#2": a second run of wire
secs=${2:-600}
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
golden=$src/tests/unit/golden
seeds=$src/tests/fuzz/corpus
out=tests/out
case $target in
wire)          bin=$out/fuzz-wire/fuzz-wire; set -- "$seeds/wire" ;;
api-request)   bin=$out/fuzz-parsers/fuzz-parsers; set -- "$golden/api-proto" ;;
http)          bin=$out/fuzz-parsers/fuzz-parsers; set -- "$seeds/http" "$golden/api-filter" ;;
settings)      bin=$out/fuzz-parsers/fuzz-parsers; set -- "$seeds/settings" "$golden/settings" "$golden/daemon-options" ;;
manifest)      bin=$out/fuzz-parsers/fuzz-parsers; set -- "$golden/manifest/parse" ;;
attest)        bin=$out/fuzz-parsers/fuzz-parsers; set -- "$seeds/attest" "$golden/attest" ;;
eventlog)      bin=$out/fuzz-parsers/fuzz-parsers; set -- "$golden/eventlog" ;;
guest-cmdline) bin=$out/fuzz-parsers/fuzz-parsers; set -- "$golden/guest-cmdline" ;;
runc-policy)   bin=$out/fuzz-guest/fuzz-guest; set -- "$seeds/runc-policy" "$golden/runc-policy" ;;
guest-control) bin=$out/fuzz-guest/fuzz-guest; set -- "$seeds/guest-control" ;;
*) echo "fuzz-one: unknown target $target" >&2; exit 2 ;;
esac
[ -x "$bin" ] || { echo "fuzz-one: $bin not built" >&2; exit 2; }
work=$out/fuzz-runs/$target
mkdir -p "$work/corpus" "$work/artifacts" "$out/fuzz-logs"
log=$out/fuzz-logs/$target.log
ECIVM_FUZZ_TARGET=$target nice -n 19 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$@" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
files=$(find "$work/corpus" -type f | wc -l)
if [ $rc -eq 0 ]; then
        result=clean
else
        result="FAIL rc=$rc: $(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$log")"
fi
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%d)" "$target" "$secs" "${execs:-?}" "$files" "$result"
