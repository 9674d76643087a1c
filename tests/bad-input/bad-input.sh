#!/bin/bash
# The bad-input table (TAP): every row feeds one malformed input to the part
# of ecivm that reads it -- the CLI, the live daemon (settings files,
# service socket, image manifests), the offline verifier (attestation
# documents), the guest's control port (wire frames, through the guest
# init's own code in tests/fuzz/fuzz-guest --print) and the Engine API filter
# (raw requests on the host Docker socket) -- and asserts the exact outcome:
# the exit status and the one line printed (error text naming the input, or
# the error reply).  Then: the daemon is the same process, the VM is still
# ready and a file on a volume has the checksum it had.  One VM boot.
# RECORD=1 prints what each row got instead (for writing new rows).
. "$(dirname "$0")/../integration/lib.sh"
require_image
vm_lock

SEND=$top_srcdir/tests/bad-input/send.py
FUZZ_GUEST=$top_builddir/tests/fuzz/fuzz-guest
CTL=$ECIVM_RUN_DIR/ecivmd.sock
mkdir -p "$ECIVM_STATE_DIR" && chmod 700 "$ECIVM_STATE_DIR"
export ECIVM_ADMIN_SETTINGS="$T/admin-settings.json"
ADMIN_GOOD='{"configurationFileVersion": 2,
 "enhancedContainerIsolation": {"locked": true, "value": true},
 "blockDockerLoad": {"locked": true, "value": true},
 "memoryMiB": {"locked": true, "value": 1536}}'
echo "$ADMIN_GOOD" >"$ECIVM_ADMIN_SETTINGS"
USER_SETTINGS=$ECIVM_STATE_DIR/user-settings.json

# row AREA DESCRIPTION EXIT 'ONE LINE' COMMAND...: the command must exit with
# EXIT (never 0) and print exactly the line (stdout and stderr together).
row() {
        local area=$1 d=$2 want_rc=$3 want=$4 out rc
        shift 4
        # a hang fails the row (exit 124); helpers below are exported functions
        out=$(timeout 60 bash -c '"$@"' row "$@" 2>&1)
        rc=$?
        if [ -n "${RECORD:-}" ]; then
                printf '# RECORD %s | %s | rc=%s | %s\n' "$area" "$d" "$rc" "$out"
        fi
        if [ "$want_rc" -ne 0 ] && [ "$rc" -eq "$want_rc" ] && [ "$out" = "$want" ]; then
                ok "$area: $d"
        else
                not_ok "$area: $d"
                diag "want exit $want_rc: $want"
                diag "got  exit $rc: $(head -c 600 <<<"$out")"
        fi
}
ctl() { python3 "$SEND" ctl "$CTL" "$1"; }
api() { python3 "$SEND" http "$DOCKER_SOCK" "$1"; }
frame() { # HEX...: a file of raw bytes for the guest's control port
        local f
        f=$(mktemp "$T/frame.XXXXXX")
        printf '%s' "$*" | xxd -r -p >"$f"
        echo "$f"
}
wire() { # exit 1 when the guest refused (answered ok=0 or dropped the input)
        local out
        out=$("$FUZZ_GUEST" --print guest-control "$1") || return 3
        echo "$out"
        ! grep -qE '(ok=0|^dropped:)' <<<"$out"
}
create() { # JSON body of POST /containers/create
        printf 'POST /v1.41/containers/create HTTP/1.1\\r\\nHost: d\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n%s' \
                "${#1}" "$1"
}

[ -x "$FUZZ_GUEST" ] || bail "$FUZZ_GUEST missing: make check builds it"
"$ECIVM" up --accel=tcg >"$T/up" 2>&1 || { sed 's/^/# /' "$T/up"; bail "ecivm up failed"; }
status_of() { # FIELD: state, or pid (of ecivmd)
        "$ECIVM" status --json | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(s["daemon"]["pid"] if sys.argv[1] == "pid" else s[sys.argv[1]])' "$1"
}
dpid=$(status_of pid)
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
sum0=$(docker run --rm -v badvol:/v bb sh -c 'head -c 1048576 /dev/urandom >/v/data && sync && sha256sum /v/data')
[ -n "$sum0" ] && [ -n "$dpid" ] || bail "no daemon pid ($dpid) or volume checksum ($sum0)"
nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
"$ECIVM" attest --nonce "$nonce" --out "$T/doc.json" 2>/dev/null || bail "ecivm attest failed"
VKEYS="--manifest $ECIVM_IMAGE_DIR/manifest.json --key $ECIVM_STATE_DIR/attest.pub"
export SEND FUZZ_GUEST CTL DOCKER_SOCK ECIVM ECIVMD T USER_SETTINGS VKEYS nonce
export -f ctl api frame wire

# ---- CLI arguments ----
row cli "unknown command" 2 'ecivm: unknown command "frobnicate" (see ecivm --help)' "$ECIVM" frobnicate
row cli "unknown option" 2 "" "$ECIVM" status --bogus
row cli "global option without =" 2 "" "$ECIVM" --run-dir "$T/x" status
row cli "bad --accel value" 2 "" "$ECIVM" up --accel=warp
row cli "non-hex attestation nonce" 1 "" "$ECIVM" attest --nonce xyz
row cli "ecivmd: --cpus not a number" 1 "" "$ECIVMD" --cpus=abc
row cli "logs: unknown service" 1 "" "$ECIVM" logs nosuchservice
row cli "settings set: unknown key" 1 "" "$ECIVM" settings set cpuz 2
row cli "settings set: cpus not a number" 1 "" "$ECIVM" settings set cpus many

# ---- settings files and settings requests (the live daemon reads them) ----
row settings "set a locked key" 1 "" "$ECIVM" settings set memoryMiB 2048
row settings "turn locked ECI off" 1 "" "$ECIVM" settings set enhancedContainerIsolation false
row settings "dockerd options: TCP endpoint" 1 "" \
        "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"hosts":["tcp://0.0.0.0:2375"]}'
row settings "dockerd options: not JSON" 1 "" "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"debug":'
admin_bad() { printf '%s' "$1" >"$ECIVM_ADMIN_SETTINGS"; "$ECIVM" settings show; }
export -f admin_bad
row settings "admin file: not JSON" 1 "" admin_bad '{"configurationFileVersion": 2,'
row settings "admin file: no version" 1 "" admin_bad '{"cpus": {"locked": true, "value": 2}}'
row settings "admin file: unknown key" 1 "" admin_bad '{"configurationFileVersion": 2, "cpu": {"locked": true, "value": 2}}'
row settings "admin file: image list entry not a string" 1 "" admin_bad \
        '{"configurationFileVersion": 2, "enhancedContainerIsolation": {"locked": true, "value": true, "dockerSocketMount": {"imageList": {"images": ["a", 3]}}}}'
echo "$ADMIN_GOOD" >"$ECIVM_ADMIN_SETTINGS"
user_bad() { printf '%s' "$1" >"$USER_SETTINGS"; "$ECIVM" settings show; }
export -f user_bad
row settings "user file: not JSON" 1 "" user_bad '[1,'
row settings "user file: unknown key" 1 "" user_bad '{"dockerSocketMount": {}}'
row settings "user file: cpus not an integer" 1 "" user_bad '{"cpus": "two"}'
rm -f "$USER_SETTINGS"

# ---- image manifests: a second daemon (own run dir) refuses before QEMU ----
image_copy() { # DIR: hard links to the image, manifest.json a private copy
        mkdir -p "$1"
        for f in "$ECIVM_IMAGE_DIR"/*; do ln -f "$f" "$1/" 2>/dev/null || cp -f "$f" "$1/"; done
        rm -f "$1/manifest.json" && cp "$ECIVM_IMAGE_DIR/manifest.json" "$1/manifest.json"
}
up_with_manifest() { # SED-EXPRESSION | truncate:N | unsigned
        local dir=$T/img-$RANDOM
        image_copy "$dir"
        case $1 in
        truncate:*) head -c "${1#truncate:}" "$ECIVM_IMAGE_DIR/manifest.json" >"$dir/manifest.json" ;;
        unsigned) rm -f "$dir/manifest.json.sig" ;;
        *) sed -i "$1" "$dir/manifest.json" ;;
        esac
        ECIVM_RUN_DIR=$T/run2 ECIVM_STATE_DIR=$T/state2 ECIVM_IMAGE_DIR=$dir "$ECIVM" up --accel=tcg
        local rc=$?
        ECIVM_RUN_DIR=$T/run2 ECIVM_STATE_DIR=$T/state2 "$ECIVM" down >/dev/null 2>&1
        return $rc
}
export -f image_copy up_with_manifest
row manifest "truncated" 1 "" up_with_manifest truncate:100
row manifest "empty" 1 "" up_with_manifest truncate:0
row manifest "edited version (signature)" 1 "" up_with_manifest 's/"manifestVersion" : 2/"manifestVersion" : 99/'
row manifest "edited kernel cmdline (signature)" 1 "" up_with_manifest 's/apparmor=0/apparmor=0 init=\/bin\/sh/'
row manifest "no signature file" 1 "" up_with_manifest unsigned

# ---- attestation documents (verified offline) ----
doc_edit() { # PYTHON-EXPR on d (the document as a dict) -> file
        python3 -c 'import base64, json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"))' "$T/doc.json" "$1" "$T/doc-bad.json"
        # shellcheck disable=SC2086 # VKEYS: paths without spaces
        "$ECIVM" verify "$T/doc-bad.json" $VKEYS --nonce "$nonce"
}
export -f doc_edit
echo "{" >"$T/doc-nj.json"
# shellcheck disable=SC2086
row attest "not JSON" 1 "" "$ECIVM" verify "$T/doc-nj.json" $VKEYS --nonce "$nonce"
row attest "payload not base64" 1 "" doc_edit 'd["payload"] = "!!!"'
row attest "signature of another payload" 1 "" doc_edit 'd["signature"] = d["signature"][::-1]'
row attest "payload edited (nonce)" 1 "" doc_edit 'p = json.loads(base64.b64decode(d["payload"])); p["nonce"] = "00"; d["payload"] = base64.b64encode(json.dumps(p).encode()).decode()'
row attest "unknown document member" 1 "" doc_edit 'd["extra"] = 1'
# shellcheck disable=SC2086
row attest "wrong expected nonce" 1 "" "$ECIVM" verify "$T/doc.json" $VKEYS --nonce 00

# ---- ecivmd's service socket (JSON lines) ----
row control "not JSON" 1 "" ctl 'not json\n'
row control "a JSON array" 1 "" ctl '[1]\n'
row control "id missing" 1 "" ctl '{"v":1,"method":"status"}\n'
row control "protocol version 2" 1 "" ctl '{"v":2,"id":1,"method":"status"}\n'
row control "unknown member" 1 "" ctl '{"v":1,"id":1,"method":"status","x":0}\n'
row control "method not a string" 1 "" ctl '{"v":1,"id":1,"method":7}\n'
row control "unknown method" 1 "" ctl '{"v":1,"id":4,"method":"exec","params":{"cmd":"sh"}}\n'
row control "params not an object" 1 "" ctl '{"v":1,"id":1,"method":"status","params":[]}\n'
row control "logs: lines out of range" 1 "" ctl '{"v":1,"id":1,"method":"logs","params":{"lines":-1}}\n'
row control "attest: nonce not hex" 1 "" ctl '{"v":1,"id":1,"method":"attest","params":{"nonce":"zz"}}\n'
row control "line longer than 64 KiB" 1 "" ctl '@100000:x'

# ---- wire frames into the guest's control port ----
# header: magic ec, version 01, type, 00, stream (4), length (4)
row wire "bad magic" 1 "" wire "$(frame ed01070000000000000000050000000001)"
row wire "empty CONTROL frame" 1 "" wire "$(frame ec0107000000000000000000)"
row wire "DATA frame on the control port" 1 "" wire "$(frame ec0103000000000100000003616263)"
row wire "unknown verb" 1 "" wire "$(frame ec0107000000000000000005 6300000003)"
row wire "host-only verb from the host" 1 "" wire "$(frame ec0107000000000000000005 0200000004)"
row wire "field without =" 1 "" wire "$(frame ec010700000000000000000d 12000000056e6f76616c75650a)"

# ---- Docker API requests through the host socket and the API filter ----
row docker "--pid=host" 1 "" api "$(create '{"Image":"bb","HostConfig":{"PidMode":"host"}}')"
row docker "--network=host" 1 "" api "$(create '{"Image":"bb","HostConfig":{"NetworkMode":"host"}}')"
row docker "bind of the Docker socket" 1 "" api "$(create '{"Image":"bb","HostConfig":{"Binds":["/var/run/docker.sock:/s"]}}')"
row docker "body not JSON" 1 "" api "$(create '{"Image":')"
row docker "docker load (blocked by the admin)" 1 "" api 'POST /v1.41/images/load HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n'
row docker "build --network=host" 1 "" api 'POST /v1.41/build?networkmode=host HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n'
row docker "garbage request line" 1 "" api 'GARBAGE\r\n\r\n'
row docker "header without a colon" 1 "" api 'GET /_ping HTTP/1.1\r\nHost d\r\n\r\n'
row docker "request head over 64 KiB" 1 "" api "GET /_ping HTTP/1.1\\r\\nX: $(head -c 70000 /dev/zero | tr '\0' a)\\r\\n\\r\\n"
row docker "malformed chunked body" 1 "" api 'POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'
row docker "Content-Length and chunked together" 1 "" api 'POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}'

# ---- after the whole table ----
state=$(status_of state 2>&1)
[ "$state" = ready ] && ok "the VM is still ready" || not_ok "VM state after the table: $state"
pid=$(status_of pid 2>&1)
[ "$pid" = "$dpid" ] && kill -0 "$dpid" && ok "ecivmd is the same process ($dpid)" ||
        not_ok "ecivmd pid changed (was $dpid, now $pid)"
sum1=$(docker run --rm -v badvol:/v bb sha256sum /v/data 2>&1)
[ "$sum1" = "$sum0" ] && ok "the file on the volume is unchanged (${sum0%% *})" ||
        { not_ok "volume file changed"; diag "before: $sum0"; diag "after:  $sum1"; }
check "ecivm down" "$ECIVM" down
finish
