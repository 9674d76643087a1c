#!/bin/bash
# A full data disk is reported (status degraded, with the figures), the VM
# and dockerd keep running, and the state recovers once space is freed.
. "$(dirname "$0")/lib.sh"
require_image
vm_lock

state() { "$ECIVM" status --json 2>/dev/null | sed -n 's/^  "state" : "\(.*\)",$/\1/p'; }
wait_state() {
        for _ in $(seq $(($2 * 2))); do [ "$(state)" = "$1" ] && return 0; sleep 0.5; done
        echo "state is $(state), wanted $1"
        return 1
}

"$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" --image-dir="$ECIVM_IMAGE_DIR" \
        --trusted-key="$ECIVM_TRUSTED_KEY" --accel=tcg --data-disk-size=1 >"$T/ecivmd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && break; sleep 0.1; done
check "VM with a 1 GiB data disk reaches ready" "$ECIVM" up
docker import "$BB_TAR" bb >/dev/null
docker volume create fill >/dev/null
# Fill to within 40 MiB of the end: "full" to ecivm (< 64 MiB free), yet
# dockerd keeps the room it needs to clean up afterwards.
free=""
for _ in $(seq 30); do
        free=$("$ECIVM" status --json | sed -n 's/^ *"freeMiB" : \([0-9]*\),*$/\1/p')
        [ -n "$free" ] && break
        sleep 1
done
[ -n "$free" ] && ok "heartbeats report the data disk's free space ($free MiB)" || not_ok "no dataDisk in status"
docker run --rm -v fill:/v bb dd if=/dev/zero of=/v/fill bs=1M count=$((free - 40)) >/dev/null 2>&1
check "a full data disk is reported: degraded" wait_state degraded 30
"$ECIVM" status --json >"$T/status" 2>&1
grep -q '"reason" : "data disk full: [0-9]* MiB free of [0-9]* MiB"' "$T/status" && grep -q '"full" : true' "$T/status" &&
        ok "status names the free and total space" || not_ok "status: $(grep -E 'reason|full' "$T/status")"
check "dockerd still answers with the disk full" docker ps -a
check "QEMU still runs" pgrep -f "process=ecivm-qemu.*$ECIVM_STATE_DIR"
docker run --rm -v fill:/v bb rm /v/fill >/dev/null 2>&1 || docker volume rm -f fill >/dev/null 2>&1
check "back to ready once space is freed" wait_state ready 30
check "ecivm down" "$ECIVM" down
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
finish
