#!/bin/bash
# ecivm-runc's cost and its ranges: `docker run --rm bb true` under
# ecivm-runc (the default runtime) against the real runc ("plain-runc") in
# the same VM, interleaved, median of BENCH_ROUNDS (default 10) and the
# ratio (target <= 1.10x); then 50 containers started at once, each with a
# distinct user-ID range, all removed, and no range left "used" in
# /data/ecivm-runc/ranges (read by a plain-runc container).  Needs the test
# image (make images-test: plain-runc is never in the image users boot).
# Prints figures; asserts nothing but exits 1 when ranges collide or leak.
# The VM gets BENCH_MEMORY_MIB (4096) MiB.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ECIVM=$top/vmm/ecivm
ROUNDS=${BENCH_ROUNDS:-10}
N=${BENCH_CONTAINERS:-50}
T=$(mktemp -d /tmp/ecivm-bench.XXXXXX)
export ECIVM_RUN_DIR=$T/run ECIVM_STATE_DIR=$T/state ECIVM_IMAGE_DIR=${ECIVM_IMAGE_DIR:-$top/images/out-test}
export ECIVM_TRUSTED_KEY=${ECIVM_TRUSTED_KEY:-$top/images/keys/image.pub}
trap '"$ECIVM" down >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
[ -f "$ECIVM_IMAGE_DIR/manifest.json" ] || { echo "no test image in $ECIVM_IMAGE_DIR: make images-test" >&2; exit 1; }
# 50 containers at once need more than the default 1536 MiB: in 1536 MiB the
# VM ran out of memory (before the guest's thrashing protection it stalled)
export ECIVM_ADMIN_SETTINGS=$T/admin-settings.json
mkdir -p "$T/state" && chmod 700 "$T/state"
printf '{"configurationFileVersion": 2, "memoryMiB": {"locked": true, "value": %u}}\n' \
        "${BENCH_MEMORY_MIB:-4096}" >"$ECIVM_ADMIN_SETTINGS"
if [ -z "${BENCH_LOCK_HELD:-}" ]; then # set: the caller holds the VM lock for us
        exec 9>/tmp/ecivm-vm-tests.lock
        flock 9
fi

docker() { /usr/bin/docker -H "unix://$ECIVM_RUN_DIR/docker.sock" "$@"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
run_s() { # RUNTIME-OPTION...: seconds of one docker run --rm bb true
        local t0 t1
        t0=$(now)
        docker run --rm "$@" bb true >/dev/null
        t1=$(now)
        echo "$t1 - $t0" | bc
}

"$ECIVM" up --accel=tcg >/dev/null
docker import "$ECIVM_IMAGE_DIR/bb.tar" bb >/dev/null
docker info --format '{{json .Runtimes}}' | grep -q plain-runc || { echo "no plain-runc runtime: not the test image" >&2; exit 1; }
run_s >/dev/null
run_s --runtime=plain-runc >/dev/null # warm both paths

eci=() plain=()
for r in $(seq "$ROUNDS"); do
        eci+=("$(run_s)")
        plain+=("$(run_s --runtime=plain-runc)")
        echo "round $r: ecivm-runc ${eci[-1]} s, plain runc ${plain[-1]} s"
done
me=$(printf '%s\n' "${eci[@]}" | median)
mp=$(printf '%s\n' "${plain[@]}" | median)
echo "docker run --rm bb true, median of $ROUNDS: ecivm-runc $me s, plain runc $mp s, ratio $(echo "scale=3; $me / $mp" | bc)x (target <= 1.10x)"

# the same with a read-only volume (ecivm-runc mounts it locked itself)
docker volume create benchvol >/dev/null
eci=() plain=()
for r in $(seq "$ROUNDS"); do
        eci+=("$(run_s -v benchvol:/m:ro)")
        plain+=("$(run_s --runtime=plain-runc -v benchvol:/m:ro)")
done
me=$(printf '%s\n' "${eci[@]}" | median)
mp=$(printf '%s\n' "${plain[@]}" | median)
echo "docker run --rm -v vol:/m:ro bb true, median of $ROUNDS: ecivm-runc $me s, plain runc $mp s, ratio $(echo "scale=3; $me / $mp" | bc)x"

# N at once, each printing its uid_map
t0=$(now)
for i in $(seq "$N"); do
        docker run -d --name "eci-bench-$i" bb sh -c 'cat /proc/self/uid_map; exec sleep 600' >/dev/null &
done
wait
t1=$(now)
up=$(docker ps -q --filter name=eci-bench- | wc -l)
maps=$(for i in $(seq "$N"); do docker logs "eci-bench-$i" 2>&1 | awk '{print $2, $3}'; done)
distinct=$(sort -u <<<"$maps" | grep -c .)
overlap=$(sort -n <<<"$maps" | awk 'NR > 1 && $1 < end {bad++} {end = $1 + $2} END {print bad + 0}')
echo "$N containers started at once in $(echo "$t1 - $t0" | bc) s: $up running, $distinct distinct ranges, $overlap overlapping"
used_before=$(docker run --rm --runtime=plain-runc -v /data/ecivm-runc:/r:ro bb grep -c ' used ' /r/ranges || true)
t0=$(now)
docker rm -f $(docker ps -aq --filter name=eci-bench-) >/dev/null
t1=$(now)
used_after=$(docker run --rm --runtime=plain-runc -v /data/ecivm-runc:/r:ro bb grep -c ' used ' /r/ranges || true)
next=$(docker run --rm bb cat /proc/self/uid_map | tr -s ' ')
echo "removed in $(echo "$t1 - $t0" | bc) s; ranges used before removal: $used_before, after: $used_after; next container:$next"
[ "$distinct" -eq "$N" ] && [ "$overlap" -eq 0 ] && [ "$used_before" -eq "$N" ] && [ "$used_after" -eq 0 ] &&
        [ "$next" = " 0 100000 65536" ]
