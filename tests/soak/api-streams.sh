#!/bin/bash
# Soak (a): 256 parallel Docker API streams through ecivm's host socket for
# SOAK_SECONDS (60): /_ping, /containers/json, attach streams and a bulk
# upload (into a second container: see api-streams.py).  0 errors; ecivmd's
# fd count and RSS sampled and printed (fds after must be back to the level
# before).  One VM boot; holds the VM lock.
# Usage: tests/soak/api-streams.sh (from the build dir; make images first)
. "$(dirname "$0")/../integration/lib.sh"
require_image
vm_lock
"$ECIVM" up --accel=tcg >"$T/up" 2>&1 || { sed 's/^/# /' "$T/up"; bail "ecivm up failed"; }
dpid=$("$ECIVM" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"]["pid"])')
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
cid=$(docker run -d bb sh -c 'while :; do echo tick; sleep 1; done') || bail "no ticking container"
sink=$(docker run -d bb sleep 100000) || bail "no container for the uploads"
sleep 2
fd0=$(ls /proc/"$dpid"/fd | wc -l)
rss0=$(awk '/^VmRSS:/ {print $2}' /proc/"$dpid"/status)
if python3 "$top_srcdir/tests/soak/api-streams.py" "$DOCKER_SOCK" "$dpid" "$cid" "$sink" "${SOAK_SECONDS:-60}" \
        "${SOAK_STREAMS:-256}" >"$T/report" 2>&1; then
        ok "256 streams for ${SOAK_SECONDS:-60} s: 0 errors"
else
        not_ok "api streams had errors"
fi
sed 's/^/# /' "$T/report"
for _ in $(seq 20); do fd1=$(ls /proc/"$dpid"/fd | wc -l); [ "$fd1" -le "$fd0" ] && break; sleep 1; done
[ "$fd1" -le "$fd0" ] && ok "ecivmd fds back to $fd1 (were $fd0 before)" || not_ok "ecivmd fds $fd1 > $fd0 before"
# the last client's going hands the heap back (1 s later): what stays is growth
sleep 2
rss1=$(awk '/^VmRSS:/ {print $2}' /proc/"$dpid"/status)
[ "$rss1" -le $((rss0 + 1024)) ] && ok "ecivmd RSS back to $rss1 KiB (was $rss0 KiB before)" ||
        not_ok "ecivmd RSS $rss1 KiB, more than 1 MiB over the $rss0 KiB before"
st=$("$ECIVM" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])')
[ "$st" = ready ] && ok "VM still ready" || not_ok "VM state $st"
docker rm -f "$cid" "$sink" >/dev/null
check "ecivm down" "$ECIVM" down
finish
