#!/bin/bash
# dockerd dying inside the guest: ecivm-init restarts it and reports, ecivmd
# goes degraded (reason names the exit) and back to ready, subscribers see
# both, the Docker socket works again and a checksummed volume file
# survives.  Past the restart limit (services.h: SERVICE_MAX_RESTARTS
# restarts within SERVICE_RESTART_WINDOW_MS) the guest gives up and powers
# off, and ecivmd ends in failed with the guest's reason, without a retry
# (vm-launch.c: a guest-reported failure is final).
# Nothing on the users' image can kill dockerd from outside, so this runs
# on the test image (images/out-test) with ECI off, whose runtime
# "plain-runc" lets a privileged container in the guest's PID namespace do it.
. "$(dirname "$0")/lib.sh"
export ECIVM_IMAGE_DIR="$top_builddir/images/out-test"
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
require_image
vm_lock

state() { "$ECIVM" status --json 2>/dev/null | sed -n 's/^  "state" : "\(.*\)",$/\1/p'; }
wait_state() { # STATE SECONDS
        local s
        for _ in $(seq $(($2 * 4))); do
                s=$(state)
                [ "$s" = "$1" ] && return 0
                sleep 0.25
        done
        echo "state is ${s:-unknown}, wanted $1"
        return 1
}
# a privileged container in the guest's PID namespace under the real runc
killer() { docker run -d --runtime=plain-runc --pid=host --privileged "$@"; }

# ECI off: the host's API filter would refuse --pid=host and --privileged.
export ECIVM_ADMIN_SETTINGS="$T/admin-settings.json"
cat >"$ECIVM_ADMIN_SETTINGS" <<'JSON'
{"configurationFileVersion": 2, "enhancedContainerIsolation": {"locked": true, "value": false}}
JSON
"$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" --image-dir="$ECIVM_IMAGE_DIR" \
        --trusted-key="$ECIVM_TRUSTED_KEY" --admin-settings="$ECIVM_ADMIN_SETTINGS" --accel=tcg \
        >"$T/ecivmd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && break; sleep 0.1; done
"$ECIVM" events >"$T/events" 2>&1 &
EVENTS=$!
up_out=$("$ECIVM" up 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
ok "ecivm up (test image)"
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
docker volume create ecivm-vol >/dev/null
VOLSUM=$(docker run --rm -v ecivm-vol:/v bb sh -c 'head -c 1048576 /dev/urandom >/v/data && sha256sum /v/data' |
        cut -d' ' -f1)
[ ${#VOLSUM} -eq 64 ] && ok "checksummed file written to a volume" || not_ok "volume write: $VOLSUM"
before=$(docker info --format '{{.ID}} {{.SystemTime}}' 2>&1)
dpid=$(docker run --rm --pid=host --runtime=plain-runc bb pidof dockerd 2>&1)
[[ $dpid =~ ^[0-9]+$ ]] && ok "dockerd is pid $dpid in the guest" || bail "pidof dockerd: $dpid"

# --- 1. one kill: degraded with the reason, then ready again ---
out=$(killer bb sh -c 'sleep 1; kill -9 $(pidof dockerd)' 2>&1)
[[ $out =~ ^[0-9a-f]{64}$ ]] && ok "a plain-runc container with --pid=host started to kill dockerd" ||
        not_ok "killer container: $out"
check "dockerd killed: ecivmd reports degraded" wait_state degraded 30
reason=$("$ECIVM" status 2>&1 | sed -n 's/^reason: *//p')
[[ $reason == "dockerd exited (signal-9); the guest restarted it" ]] &&
        ok "status reason names the kill and the restart ($reason)" || not_ok "degraded reason: $reason"
check "back to ready once dockerd answers again" wait_state ready 120
grep -q '"state":"degraded".*signal-9' "$T/events" && grep -q '"state":"ready".*dockerd back' "$T/events" &&
        ok "subscribers saw degraded (kill) and ready (dockerd back)" || not_ok "events: $(tail -4 "$T/events")"
dpid2=$(docker run --rm --pid=host --runtime=plain-runc bb pidof dockerd 2>&1)
[[ $dpid2 =~ ^[0-9]+$ ]] && [ "$dpid2" != "$dpid" ] && ok "a new dockerd runs (pid $dpid2)" ||
        not_ok "dockerd pid after restart: $dpid2 (was $dpid)"
hi=$(docker run --rm bb echo hi 2>&1)
[ "$hi" = hi ] && ok "the Docker socket works again (docker run)" || not_ok "docker run after restart: $hi"
got=$(docker run --rm -v ecivm-vol:/v bb sha256sum /v/data 2>&1 | cut -d' ' -f1)
[ "$got" = "$VOLSUM" ] && ok "volume file intact after dockerd's restart" || not_ok "volume: $got (want $VOLSUM)"
grep -q 'dockerd (pid [0-9]*) exited: signal-9' "$ECIVM_STATE_DIR/console.log" &&
        ok "the guest console logs the exit" || not_ok "no exit line in console.log"

# --- 2. past the restart limit: failed with the guest's reason ---
# The killer loop leaves the container's cgroup (--cgroupns=host), so
# neither its container's end nor dockerd's cleanup of old containers
# stops it; it kills every dockerd that starts.
out=$(killer --cgroupns=host bb sh -c \
        'sh -c "echo \$\$ >/sys/fs/cgroup/cgroup.procs; while :; do kill -9 \$(pidof dockerd) 2>/dev/null; sleep 0.2; done" & sleep 1' 2>&1)
[[ $out =~ ^[0-9a-f]{64}$ ]] && ok "a loop that kills every dockerd started" || not_ok "killer loop: $out"
check "past the restart limit the VM ends in failed" wait_state failed 120
status=$("$ECIVM" status 2>&1)
echo "$status" | sed 's/^/# /'
grep -Eq '^reason: *dockerd exited 6 times within 60 s \(last exit signal-9\)' <<<"$status" &&
        ok "the reason is the guest's: dockerd exited 6 times within 60 s" || not_ok "reason after the limit"
grep -q 'FAILED: dockerd exited 6 times' "$ECIVM_STATE_DIR/console.log" &&
        ok "the guest console logs the failure" || not_ok "no FAILED line in console.log"
sleep 3
[ "$(state)" = failed ] && ok "failed is final: ecivmd does not restart the VM" || not_ok "state after 3 s: $(state)"
grep -q '"state":"failed"' "$T/events" && ok "subscribers saw failed" || not_ok "events: $(tail -3 "$T/events")"
restarts=$(grep -c '"state":"degraded"' "$T/events")
diag "degraded events: $restarts; guest restarts reported in ecivmd.log: $(grep -c 'guest: dockerd restarted' "$T/ecivmd.log")"

# the data disk is kept: a new start boots and the volume is still there
up_out=$("$ECIVM" up 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "ecivm up after failed boots again" || { not_ok "ecivm up after failed ($rc)"; echo "$up_out" | sed 's/^/# /'; }
got=$(docker run --rm -v ecivm-vol:/v bb sha256sum /v/data 2>&1 | cut -d' ' -f1)
[ "$got" = "$VOLSUM" ] && ok "volume file intact after the crash loop" || not_ok "volume: $got (want $VOLSUM)"
kill "$EVENTS" 2>/dev/null
"$ECIVM" down >/dev/null 2>&1
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
finish
