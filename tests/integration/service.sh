#!/bin/bash
# ecivmd as a long-running service: start/stop/restart over its socket,
# events to subscribers, supervision (QEMU killed -> back to ready; vCPUs
# paused from the QEMU monitor -> hang detected -> restarted), and a
# checksummed volume file that survives each of these and a SIGKILL of
# ecivmd itself (whose QEMU must not outlive it; never two VMs).
. "$(dirname "$0")/lib.sh"
require_image
vm_lock

start_daemon() {
        "$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" --image-dir="$ECIVM_IMAGE_DIR" \
                --trusted-key="$ECIVM_TRUSTED_KEY" --accel=tcg >>"$T/ecivmd.log" 2>&1 &
        DAEMON=$!
        for _ in $(seq 100); do "$ECIVM" status >/dev/null 2>&1; [ $? -ne 1 ] && [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && return 0; sleep 0.1; done
        return 1
}
# wait_state STATE SECONDS: poll status until STATE
wait_state() {
        local want=$1 secs=$2 s
        for _ in $(seq $((secs * 2))); do
                s=$("$ECIVM" status --json 2>/dev/null | sed -n 's/^  "state" : "\(.*\)",$/\1/p')
                [ "$s" = "$want" ] && return 0
                sleep 0.5
        done
        echo "state is ${s:-unknown}, wanted $want"
        return 1
}
qemu_pid() { "$ECIVM" status --json | sed -n 's/^  "qemuPid" : "\(.*\)",$/\1/p'; }
check_volume() {
        local out got
        out=$(docker run --rm -v ecivm-vol:/v bb sha256sum /v/data 2>&1)
        got=${out%% *}
        [ "$got" = "$VOLSUM" ] && ok "volume file intact after $1" || not_ok "volume after $1: $(tr '\n' ' ' <<<"$out") (want $VOLSUM)"
}

start_daemon || bail "ecivmd did not start"
ok "ecivmd runs as a service (no VM yet)"
"$ECIVM" events >"$T/events" 2>&1 &
EVENTS=$!
check "start via the service socket (ecivm up) reaches ready" "$ECIVM" up
docker import "$BB_TAR" bb >/dev/null
docker volume create ecivm-vol >/dev/null
VOLSUM=$(docker run --rm -v ecivm-vol:/v bb sh -c 'head -c 1048576 /dev/urandom >/v/data && sha256sum /v/data' | cut -d' ' -f1)
[ ${#VOLSUM} -eq 64 ] && ok "checksummed file written to a volume" || not_ok "volume write: $VOLSUM"

"$ECIVM" logs --source=console -n 50 >"$T/console.out" 2>&1
grep -q "ecivm-init: dockerd ready" "$T/console.out" && ok "ecivm logs shows the guest console" ||
        not_ok "console log: $(tail -3 "$T/console.out")"
"$ECIVM" logs --source=guest -n 2000 >"$T/guest.out" 2>&1
grep -q "API listen on /run/docker.sock" "$T/guest.out" && grep -q "containerd successfully booted" "$T/guest.out" &&
        ok "ecivm logs --source=guest shows dockerd and containerd output" || not_ok "guest log: $(tail -3 "$T/guest.out")"
# a container started after the follower: dockerd and containerd log its id
"$ECIVM" logs --source=guest -n 0 -f >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
sleep 1
probe_id=$(docker create --name ecivm-follow-probe bb true 2>&1)
docker start -a ecivm-follow-probe >/dev/null 2>&1
docker rm ecivm-follow-probe >/dev/null 2>&1
for _ in $(seq 20); do grep -q "$probe_id" "$T/follow.out" && break; sleep 0.5; done
kill "$follower" 2>/dev/null
wait "$follower" 2>/dev/null
[[ $probe_id =~ ^[0-9a-f]{64}$ ]] && grep -q "$probe_id" "$T/follow.out" && [ ! -s "$T/follow.err" ] &&
        ok "ecivm logs -f streams new guest log lines (the new container's id)" ||
        not_ok "logs -f: container '$probe_id'; $(grep -c . "$T/follow.out") lines; stderr: $(head -3 "$T/follow.err")"
out=$("$ECIVM" logs --source=kernel 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q 'unknown source "kernel"' <<<"$out" && ok "unknown log source refused" || not_ok "logs --source=kernel: $rc $out"

check "restart via the service socket" "$ECIVM" restart
check_volume "restart"

pid=$(qemu_pid)
kill -9 "$pid"
check "SIGKILL of QEMU is noticed: degraded with a reason" wait_state degraded 20
grep -q "QEMU ended unexpectedly (killed by signal 9); restarting" "$T/events" && ok "event names the crash and the restart" ||
        not_ok "no crash event: $(tail -3 "$T/events")"
check "back to ready after the crash" wait_state ready 90
[ "$(qemu_pid)" != "$pid" ] && ok "a new QEMU runs" || not_ok "same QEMU pid"
check_volume "a SIGKILL of QEMU"

# Pause every vCPU from the QEMU monitor: the guest stops sending heartbeats.
printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"stop"}' |
        socat -t1 - "UNIX-CONNECT:$ECIVM_STATE_DIR/qmp.sock" >"$T/qmp.out" 2>&1
grep -q '"return"' "$T/qmp.out" && ok "vCPUs paused through QMP" || not_ok "QMP stop: $(cat "$T/qmp.out")"
check "the hang is detected (no heartbeat) and the VM restarted" wait_state degraded 40
grep -q "guest hung: no heartbeat" "$T/events" && ok "event names the hang" || not_ok "no hang event"
# paused vCPUs: once a heartbeat was overdue, QEMU itself hardly ran
hang=$(grep -o 'guest hung: no heartbeat[^"]*' "$T/events" | head -1)
[[ $hang =~ "QEMU ran "[0-9.]+" s of CPU in those "[0-9]+" s, "([0-9]+)\.[0-9]+" s in the last "[0-9]+" s; host load " ]] &&
        [ "${BASH_REMATCH[1]}" -eq 0 ] && ok "the hang's reason gives QEMU's CPU time: under 1 s lately ($hang)" ||
        not_ok "hang reason: $hang"
check "back to ready after the hang" wait_state ready 90
check_volume "a guest hang"

pid=$(qemu_pid)
kill -9 "$DAEMON"
wait "$DAEMON" 2>/dev/null
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$pid" 2>/dev/null && not_ok "QEMU outlived a SIGKILLed ecivmd" || ok "QEMU ends with a SIGKILLed ecivmd"
start_daemon || bail "ecivmd did not restart"
"$ECIVM" events >>"$T/events" 2>&1 &
EVENTS=$!
check "a new ecivmd starts the VM again" "$ECIVM" up
qemus=$(pgrep -fc "process=ecivm-qemu.*$ECIVM_STATE_DIR")
[ "$qemus" = 1 ] && ok "exactly one QEMU for this state dir" || not_ok "$qemus QEMUs"
check_volume "a SIGKILL of ecivmd"

check "stop via the service socket" "$ECIVM" down
"$ECIVM" status --json | grep -q '"state" : "stopped"' && ok "the service stays up after stop (systemd-style daemon)" ||
        not_ok "no service after stop"
grep -q '"state":"stopping"' "$T/events" && grep -q '"state":"stopped"' "$T/events" &&
        ok "subscribers saw stopping and stopped" || not_ok "events: $(tail -4 "$T/events")"
kill "$EVENTS" "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
finish
