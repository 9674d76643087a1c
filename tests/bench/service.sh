#!/bin/bash
# ecivmd as a service: recovery time after a SIGKILL of QEMU against a cold
# `ecivm up`, and the daemon's RSS idle and under 100 status calls per
# second (target <= 6 MiB).  Prints figures; asserts nothing.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ECIVM=$top/vmm/ecivm
ECIVMD=${ECIVMD:-$top/vmm/ecivmd} # another build's daemon, for before/after
ROUNDS=${BENCH_ROUNDS:-3}
T=$(mktemp -d /tmp/ecivm-bench.XXXXXX)
export ECIVM_RUN_DIR=$T/run ECIVM_STATE_DIR=$T/state ECIVM_IMAGE_DIR=${ECIVM_IMAGE_DIR:-$top/images/out} ECIVM_TRUSTED_KEY=${ECIVM_TRUSTED_KEY:-$top/images/keys/image.pub}
trap '"$ECIVM" down >/dev/null 2>&1 || true; kill "${DAEMON:-}" 2>/dev/null || true; rm -rf "$T"' EXIT
exec 9>/tmp/ecivm-vm-tests.lock
flock 9

now() { date +%s.%N; }
state() { "$ECIVM" status --json 2>/dev/null | sed -n 's/^  "state" : "\(.*\)",$/\1/p'; }
wait_for() { # STATE TIMEOUT_S
        local end=$(($(date +%s) + $2))
        while [ "$(state)" != "$1" ]; do
                [ "$(date +%s)" -lt "$end" ] || { echo "timeout waiting for $1" >&2; return 1; }
                sleep 0.05
        done
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# "VmRSS Pss Private" in KiB: Pss splits shared library pages among the
# processes mapping them; Private is what this daemon alone holds.
mem() { awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_(Clean|Dirty):/ {v+=$2} END {print r, p, v}' "/proc/$1/smaps_rollup"; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

"$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" --image-dir="$ECIVM_IMAGE_DIR" \
        --trusted-key="$ECIVM_TRUSTED_KEY" --accel=tcg >"$T/ecivmd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && break; sleep 0.05; done
idle_rss=$(rss_kib "$DAEMON") idle_mem=$(mem "$DAEMON")

cold=() recover=()
for r in $(seq "$ROUNDS"); do
        t0=$(now); "$ECIVM" up >/dev/null; t1=$(now)
        cold+=("$(echo "$t1 - $t0" | bc)")
        pid=$("$ECIVM" status --json | sed -n 's/^  "qemuPid" : "\(.*\)",$/\1/p')
        t0=$(now); kill -9 "$pid"; wait_for degraded 20; wait_for ready 180; t1=$(now)
        recover+=("$(echo "$t1 - $t0" | bc)")
        "$ECIVM" down >/dev/null
        echo "round $r: cold up ${cold[-1]} s, recovery after SIGKILL of QEMU ${recover[-1]} s"
done
"$ECIVM" up >/dev/null
ready_rss=$(rss_kib "$DAEMON") ready_mem=$(mem "$DAEMON")
# 100 status calls per second for 10 s, sampling RSS each second
peak=$ready_rss peak_mem=$ready_mem
for s in $(seq 10); do
        calls=()
        for _ in $(seq 100); do
                "$ECIVM" status --json >/dev/null &
                calls+=($!)
        done
        wait "${calls[@]}" # not a bare wait: the daemon is a child too
        cur=$(rss_kib "$DAEMON")
        [ "$cur" -gt "$peak" ] && peak=$cur peak_mem=$(mem "$DAEMON")
done
after=$(rss_kib "$DAEMON") after_mem=$(mem "$DAEMON")
cm=$(printf '%s\n' "${cold[@]}" | median)
rm_=$(printf '%s\n' "${recover[@]}" | median)
echo "cold ecivm up (median of $ROUNDS): $cm s"
echo "recovery after SIGKILL of QEMU (median of $ROUNDS): $rm_ s (backoff 1 s included)"
echo "ratio recovery/cold: $(echo "scale=2; $rm_ / $cm" | bc)"
echo "ecivmd RSS: idle $((idle_rss)) KiB, VM ready $((ready_rss)) KiB, under 100 status/s peak $((peak)) KiB, after $((after)) KiB (target <= 6144 KiB: $([ "$peak" -le 6144 ] && echo PASS || echo MISS))"
for p in idle ready peak after; do
        v=${p}_mem
        set -- ${!v}
        printf 'ecivmd %-5s VmRSS %6s KiB  Pss %6s KiB  Private %6s KiB\n' "$p" "$1" "$2" "$3"
done
