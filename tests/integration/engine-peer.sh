#!/bin/bash
# The engine-socket stand-in answers only the containers given it (issue 14,
# item 6), on the test image (images/out-test, never the image users boot),
# whose runtime "plain-runc" can put a process at any VM uid in front of the
# socket file: that is how a peer that is not a container given the socket
# "somehow reaches" it, since ecivm-runc binds it into allow-listed
# containers only.
# - an allow-listed container (ecivm-runc binds the stand-in, records the
#   grant) reaches the engine, as root and as another user of its range;
# - the VM's root, a container's range that was not given the socket, a gid
#   outside the range and a released range are refused: the connection is
#   closed without a byte and the agent logs one line naming the uid;
# - the same plain-runc peer at a uid of the granted range is answered (the
#   positive control: the refusals come from the uid, not from plain-runc).
. "$(dirname "$0")/lib.sh"
export ECIVM_IMAGE_DIR="$top_builddir/images/out-test"
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
. "$(dirname "$0")/eci-lib.sh"
require_image
vm_lock

admin_settings <<'JSON'
{"configurationFileVersion": 2,
 "enhancedContainerIsolation": {"locked": true, "value": true,
   "dockerSocketMount": {"imageList": {"images": ["*"], "allowDerivedImages": false}}}}
JSON
up_out=$("$ECIVM" up --accel=tcg 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
ok "ecivm up (test image, ECI locked on, every image may mount the socket)"
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
mkdir -p "$T/engine-img/usr/bin" && tar -xf "$BB_TAR" -C "$T/engine-img" &&
        ${CC:-cc} -static -O2 -o "$T/engine-img/usr/bin/engine-get" "$top_srcdir/tests/integration/probes/engine-get.c" &&
        tar -C "$T/engine-img" --owner=0 --group=0 -cf "$T/engine.tar" . && docker import "$T/engine.tar" eciengine >/dev/null ||
        bail "engine probe image"

# The host socket refuses binds of VM paths at create, so the plain-runc
# peers below are made from inside the VM (eci-lib.sh's driver: a plain-runc
# container holding dockerd's socket).
make_probe_image || bail "probe image"
start_driver || bail "driver container"
# a process of the real runc at VM uid:gid $1 in front of the stand-in's file
peer() { # UID:GID -> engine-get's output
        indocker run --rm --runtime=plain-runc --user "$1" -v /run/ecivm-engine/docker.sock:/s eciengine \
                engine-get /s GET /_ping 2>&1
}
agent_log() {
        indocker run --rm --runtime=plain-runc -v /var/log/ecivm-agent.log:/a.log:ro bb cat /a.log 2>&1
}
# the VM's files behind the stand-in, read by the real runc
vm_ls() { indocker run --rm --runtime=plain-runc -v /run/ecivm-engine:/e:ro bb sh -c "$1" 2>&1; }
answered() { grep -q "^HTTP/1.[01] 200" <<<"$1"; }
# refused PEER-OUTPUT UID WHY DESCRIPTION: closed without an HTTP answer, and
# the agent's line for that uid among the lines logged since the last call
LOGPOS=0
refused() {
        local out=$1 uid=$2 why=$3 d=$4 line log
        log=$(agent_log)
        line=$(tail -n +$((LOGPOS + 1)) <<<"$log" |
                grep -F "ecivm: engine socket: peer uid $uid is not a container given the socket" | tail -1)
        LOGPOS=$(wc -l <<<"$log")
        if grep -q "closed without an answer" <<<"$out" && ! grep -q "HTTP/" <<<"$out" && [[ $line == *"$why"* ]]; then
                ok "$d: closed without an answer; agent: $line"
        else
                not_ok "$d"
                diag "peer: $(head -3 <<<"$out")"
                diag "agent: ${line:-no line for uid $uid}"
        fi
}
base_of() { docker exec "$1" awk 'NR == 1 { print $2 }' /proc/self/uid_map; }

# --- the container given the socket ---
docker run -d --name granted -v /var/run/docker.sock:/var/run/docker.sock eciengine sleep 600 >/dev/null ||
        bail "allow-listed container"
gbase=$(base_of granted)
[[ $gbase =~ ^[0-9]+$ ]] && [ "$gbase" -ge 100000 ] || bail "granted container's uid base: $gbase"
gid=$(docker inspect -f '{{.Id}}' granted)
out=$(docker exec granted engine-get /var/run/docker.sock GET /_ping)
answered "$out" && ok "an allow-listed container reaches the engine through the stand-in (its root is VM uid $gbase)" ||
        not_ok "allow-listed container's /_ping: $(head -3 <<<"$out")"
out=$(docker exec -u 1000:1000 granted engine-get /var/run/docker.sock GET /containers/json)
answered "$out" && ok "another user of its range (uid 1000 in it, VM uid $((gbase + 1000))) is answered too" ||
        not_ok "uid 1000 in the allow-listed container: $(head -3 <<<"$out")"
out=$(vm_ls "stat -c '%a %u %g' /e/grants; cat /e/grants/$gid")
if [ "$out" = "$(printf '700 0 0\n%s 65536' "$gbase")" ]; then
        ok "ecivm-runc recorded the grant in a root-only directory (mode 700): $gid -> $gbase 65536"
else not_ok "grant record: $out"; fi

# --- a container that was not given the socket ---
docker run -d --name plain eciengine sleep 600 >/dev/null || bail "second container"
pbase=$(base_of plain)
[[ $pbase =~ ^[0-9]+$ ]] && [ "$pbase" != "$gbase" ] || bail "second container's uid base: $pbase"
pid=$(docker inspect -f '{{.Id}}' plain)
out=$(vm_ls "ls /e/grants")
[[ $out == *"$gid"* && $out != *"$pid"* ]] && ok "no grant for the container without the socket" ||
        not_ok "grants: $out"
out=$(docker exec plain sh -c 'test -e /var/run/docker.sock && echo PRESENT; ls /run' 2>&1)
[[ $out != *PRESENT* ]] && ok "the container without the socket has no socket file" || not_ok "socket file in plain: $out"
out=$(peer $((pbase + 1000)):$((pbase + 1000)))
refused "$out" $((pbase + 1000)) "its container was not given the socket" \
        "a peer in the range of a running container not given the socket is refused"
out=$(peer $((pbase)):$((pbase)))
refused "$out" "$pbase" "its container was not given the socket" "the same container's root is refused"

# --- the VM's own users, and IDs no container holds ---
out=$(peer 0:0)
refused "$out" 0 "a user of the VM itself" "the VM's root is refused"
out=$(peer 65534:65534)
refused "$out" 65534 "a user of the VM itself" "the VM's nobody is refused"
free=$((100000 + 65536 * 4000))
out=$(peer $free:$free)
refused "$out" "$free" "no container holds its user-ID range" "a range no container holds is refused"

# --- the positive control: the same kind of peer at a granted uid ---
out=$(peer $((gbase + 1000)):$((gbase + 1000)))
answered "$out" && ok "a plain-runc peer at a uid of the granted range is answered (the refusals above come from the uid)" ||
        not_ok "plain-runc peer at VM uid $((gbase + 1000)): $(head -3 <<<"$out")"
out=$(peer $((gbase + 1000)):0)
refused "$out" $((gbase + 1000)) "gid 0" "a granted uid with the VM's root group is refused"

# --- a restart (runc delete, then create: the grant goes and comes back) ---
docker restart -t 1 granted >/dev/null || bail "restart of the allow-listed container"
out=$(docker exec granted engine-get /var/run/docker.sock GET /_ping)
rbase=$(base_of granted)
g=$(vm_ls "cat /e/grants/$gid")
answered "$out" && [ "$g" = "$rbase 65536" ] &&
        ok "after a restart the allow-listed container is answered again (grant: $g)" ||
        not_ok "after restart: grant \"$g\", range $rbase, $(head -3 <<<"$out")"
gbase=$rbase

# --- released: the range stops answering ---
docker rm -f granted >/dev/null
out=$(vm_ls "ls /e/grants")
[[ $out != *"$gid"* ]] && ok "removing the container removed its grant" || not_ok "grants after rm: $out"
out=$(peer $((gbase + 1000)):$((gbase + 1000)))
refused "$out" $((gbase + 1000)) "no container holds its user-ID range" "the released range is refused"
# the released range handed to a container without the socket: still refused
docker run -d --name reuse eciengine sleep 600 >/dev/null
rbase=$(base_of reuse)
if [ "$rbase" = "$gbase" ]; then
        out=$(peer $((gbase + 1000)):$((gbase + 1000)))
        refused "$out" $((gbase + 1000)) "its container was not given the socket" \
                "the released range, now another container's without the socket, is refused"
else diag "the next container got range $rbase, not the released $gbase: reuse not exercised"; fi
# a fresh allow-listed container still works after all this
out=$(docker run --rm -v /var/run/docker.sock:/var/run/docker.sock eciengine engine-get /var/run/docker.sock GET /_ping)
answered "$out" && ok "a new allow-listed container is answered" || not_ok "new allow-listed container: $(head -3 <<<"$out")"
docker rm -f plain reuse "$DRIVER" >/dev/null # the driver's sleep ignores SIGTERM
finish
