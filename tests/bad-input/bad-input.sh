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
key_id() { # PEM public key -> ecivm's key id (sha256 of the raw Ed25519 key, 16 hex digits)
        python3 -c 'import base64, hashlib, sys
der = base64.b64decode("".join(l for l in open(sys.argv[1]).read().split("\n") if l and not l.startswith("-")))
print(hashlib.sha256(der[-32:]).hexdigest()[:16])' "$1"
}
IMG_KID=$(key_id "$ECIVM_TRUSTED_KEY")
ATT_KID=$(key_id "$ECIVM_STATE_DIR/attest.pub")
VKEYS="--manifest $ECIVM_IMAGE_DIR/manifest.json --key $ECIVM_STATE_DIR/attest.pub"
export SEND FUZZ_GUEST CTL DOCKER_SOCK ECIVM ECIVMD T USER_SETTINGS VKEYS nonce
export -f ctl api frame wire

# ---- CLI arguments ----
row cli "unknown command" 2 'ecivm: unknown command "frobnicate" (see ecivm --help)' "$ECIVM" frobnicate
row cli "unknown option" 2 'ecivm status: Unknown option --bogus' "$ECIVM" status --bogus
row cli "global option without =" 2 'ecivm: unknown option "--run-dir" (global options take the form --name=value)' "$ECIVM" --run-dir "$T/x" status
row cli "bad --accel value" 2 'ecivm up: --accel: unknown mode "warp" (expected auto, kvm or tcg)' "$ECIVM" up --accel=warp
row cli "non-hex attestation nonce" 2 'ecivm attest: --nonce: expected hex digits (an even number)' "$ECIVM" attest --nonce xyz
row cli "ecivmd: --cpus not a number" 2 'ecivmd: Cannot parse integer value “abc” for --cpus' "$ECIVMD" --cpus=abc
row cli "logs: unknown service" 2 'ecivm logs: unexpected argument "nosuchservice"' "$ECIVM" logs nosuchservice
row cli "settings set: unknown key" 1 'ecivm: unknown setting "cpuz"' "$ECIVM" settings set cpuz 2
row cli "settings set: cpus not a number" 1 'ecivm: cpus: "many" is not a valid value' "$ECIVM" settings set cpus many
row cli "settings set: cpus in hex" 1 'ecivm: cpus: "0x2" is not a decimal JSON number' "$ECIVM" settings set cpus 0x2

# ---- settings files and settings requests (the live daemon reads them) ----
row settings "set a locked key" 1 'ecivm: memoryMiB is locked by the administrator' "$ECIVM" settings set memoryMiB 2048
row settings "turn locked ECI off" 1 'ecivm: enhancedContainerIsolation is locked by the administrator' "$ECIVM" settings set enhancedContainerIsolation false
row settings "dockerd options: TCP endpoint" 1 'ecivm: linuxVM.dockerDaemonOptions: "hosts" is not allowed: the Engine API is served only through ecivm'\''s filtered socket' \
        "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"hosts":["tcp://0.0.0.0:2375"]}'
row settings "dockerd options: not JSON" 1 'ecivm: linuxVM.dockerDaemonOptions: not JSON: <data>:1:9: Parse error: unexpected end of file, expected character `}'\''' "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"debug":'
admin_bad() { printf '%s' "$1" >"$ECIVM_ADMIN_SETTINGS"; "$ECIVM" settings show; }
export -f admin_bad
row settings "admin file: not JSON" 1 "ecivm: $T/admin-settings.json: not JSON: <data>:1:31: Parse error: unexpected character \`,', expected string constant" admin_bad '{"configurationFileVersion": 2,'
row settings "admin file: no version" 1 "ecivm: $T/admin-settings.json: configurationFileVersion: missing or not an integer (expected 2)" admin_bad '{"cpus": {"locked": true, "value": 2}}'
row settings "admin file: unknown key" 1 "ecivm: $T/admin-settings.json: cpu: unknown key" admin_bad '{"configurationFileVersion": 2, "cpu": {"locked": true, "value": 2}}'
row settings "admin file: image list entry not a string" 1 "ecivm: $T/admin-settings.json: enhancedContainerIsolation.dockerSocketMount.imageList.images[1]: expected a non-empty string (at most 512 bytes)" admin_bad \
        '{"configurationFileVersion": 2, "enhancedContainerIsolation": {"locked": true, "value": true, "dockerSocketMount": {"imageList": {"images": ["a", 3]}}}}'
echo "$ADMIN_GOOD" >"$ECIVM_ADMIN_SETTINGS"
user_bad() { printf '%s' "$1" >"$USER_SETTINGS"; "$ECIVM" settings show; }
export -f user_bad
row settings "user file: not JSON" 1 "ecivm: $T/state/user-settings.json: not JSON: <data>:1:3: Parse error: unexpected end of file, expected character \`]'" user_bad '[1,'
row settings "user file: unknown key" 1 "ecivm: $T/state/user-settings.json: dockerSocketMount: unknown key" user_bad '{"dockerSocketMount": {}}'
row settings "user file: cpus not an integer" 1 "ecivm: $T/state/user-settings.json: cpus: expected an integer" user_bad '{"cpus": "two"}'
rm -f "$USER_SETTINGS"

# ---- image manifests: a second daemon (own run dir) refuses before QEMU ----
image_copy() { # DIR: hard links to the image, manifest.json a private copy
        mkdir -p "$1"
        for f in "$ECIVM_IMAGE_DIR"/*; do ln -f "$f" "$1/" 2>/dev/null || cp -f "$f" "$1/"; done
        rm -f "$1/manifest.json" && cp "$ECIVM_IMAGE_DIR/manifest.json" "$1/manifest.json"
}
up_with_manifest() { # SED-EXPRESSION | truncate:N | unsigned
        local dir=$T/img-$(md5sum <<<"$1" | head -c 8)
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
row manifest "truncated" 1 "ecivm: VM failed: manifest.json: signature does not verify with any trusted key ($IMG_KID)" up_with_manifest truncate:100
row manifest "empty" 1 "ecivm: VM failed: manifest.json: signature does not verify with any trusted key ($IMG_KID)" up_with_manifest truncate:0
row manifest "edited version (signature)" 1 "ecivm: VM failed: manifest.json: signature does not verify with any trusted key ($IMG_KID)" up_with_manifest 's/"manifestVersion" : 2/"manifestVersion" : 99/'
row manifest "edited kernel cmdline (signature)" 1 "ecivm: VM failed: manifest.json: signature does not verify with any trusted key ($IMG_KID)" up_with_manifest 's/apparmor=0/apparmor=0 init=\/bin\/sh/'
row manifest "no signature file" 1 "ecivm: VM failed: manifest.json: signature missing: Failed to open file “$T/img-$(md5sum <<<unsigned | head -c 8)/manifest.json.sig”: No such file or directory" \
        up_with_manifest unsigned

# ---- attestation documents (verified offline) ----
# verify_fail ARGS...: ecivm verify's exit status, and only the failed check's
# line of its report ("check | FAIL | detail")
verify_fail() {
        local out rc
        out=$("$ECIVM" verify "$@" 2>&1)
        rc=$?
        grep -E '^[a-z-]+ +\| FAIL' <<<"$out" || echo "$out"
        return $rc
}
export -f verify_fail
doc_edit() { # PYTHON-EXPR on d (the document as a dict) -> file
        python3 -c 'import base64, json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"))' "$T/doc.json" "$1" "$T/doc-bad.json"
        # shellcheck disable=SC2086 # VKEYS: paths without spaces
        verify_fail "$T/doc-bad.json" $VKEYS --nonce "$nonce"
}
export -f doc_edit
echo "{" >"$T/doc-nj.json"
# shellcheck disable=SC2086
row attest "not JSON" 1 'document       | FAIL  | not a JSON document: <data>:1:1: Parse error: unexpected character `{'\'', expected string constant' \
        verify_fail "$T/doc-nj.json" $VKEYS --nonce "$nonce"
row attest "payload not base64" 1 'document       | FAIL  | payload (base64), signature and keyId are required strings'  doc_edit 'd["payload"] = "!!!"'
row attest "signature not base64 Ed25519" 1 'signature      | FAIL  | document: signature is not a base64 Ed25519 signature' \
        doc_edit 'd["signature"] = d["signature"][::-1]'
row attest "signature of another payload" 1 "signature      | FAIL  | document: signature does not verify with key $ATT_KID" \
        doc_edit 's = d["signature"]; d["signature"] = ("B" if s[0] != "B" else "A") + s[1:]'
row attest "payload edited (nonce)" 1 "signature      | FAIL  | document: signature does not verify with key $ATT_KID" \
        doc_edit 'p = json.loads(base64.b64decode(d["payload"])); p["nonce"] = "00"; d["payload"] = base64.b64encode(json.dumps(p).encode()).decode()'
row attest "unknown document member" 1 'document       | FAIL  | unknown member "extra"'  doc_edit 'd["extra"] = 1'
# shellcheck disable=SC2086
row attest "wrong expected nonce" 1 "nonce          | FAIL  | document has nonce \"$nonce\", expected \"00\"" \
        verify_fail "$T/doc.json" $VKEYS --nonce 00

# ---- ecivmd's service socket (JSON lines) ----
row control "not JSON" 1 'invalid: request: not JSON: <data>:1:3: Parse error: unexpected identifier `not'\'', expected value' ctl 'not json\n'
row control "a JSON array" 1 'invalid: request: not a JSON object' ctl '[1]\n'
row control "id missing" 1 'invalid: request: id: expected a non-negative integer' ctl '{"v":1,"method":"status"}\n'
row control "protocol version 2" 1 'invalid: request: v: expected 1 (protocol version)' ctl '{"v":2,"id":1,"method":"status"}\n'
row control "unknown member" 1 'invalid: request: unknown member "x"' ctl '{"v":1,"id":1,"method":"status","x":0}\n'
row control "method not a string" 1 'invalid: request: method: expected a string' ctl '{"v":1,"id":1,"method":7}\n'
row control "unknown method" 1 'refused: request: unknown method "exec"' ctl '{"v":1,"id":4,"method":"exec","params":{"cmd":"sh"}}\n'
row control "params not an object" 1 'invalid: request: params: expected an object' ctl '{"v":1,"id":1,"method":"status","params":[]}\n'
row control "logs: lines out of range" 1 'invalid: params.lines: expected 0..10000' ctl '{"v":1,"id":1,"method":"logs","params":{"lines":-1}}\n'
row control "attest: nonce not hex" 1 'invalid: request: params.nonce: expected hex digits (an even number)' ctl '{"v":1,"id":1,"method":"attest","params":{"nonce":"zz"}}\n'
row control "line longer than 64 KiB" 1 'invalid: request: line longer than 65536 bytes' ctl '@100000:x'
row control "method with an embedded NUL" 1 'invalid: request: method: a string with an embedded NUL (\u0000)' ctl '{"v":1,"id":1,"method":"ping\\u0000x"}\n'
row control "settings key with an embedded NUL" 1 'invalid: request: params.key: a string with an embedded NUL (\u0000)' ctl '{"v":1,"id":1,"method":"settings-set","params":{"key":"cpus\\u0000x","value":"2"}}\n'
row control "id in hex" 1 'invalid: request: id: "0x1" is not a decimal JSON number' ctl '{"v":1,"id":0x1,"method":"ping"}\n'
row control "a key given twice" 1 'invalid: request: method: duplicate key' ctl '{"v":1,"id":1,"method":"ping","method":"stop"}\n'
row control "a forged log line in the method" 1 'refused: request: unknown method "ping\x0a** Message: vm: ready -> stopped"' ctl '{"v":1,"id":1,"method":"ping\\n** Message: vm: ready -> stopped"}\n'

# ---- wire frames into the guest's control port ----
# header: magic ec, version 01, type, 00, stream (4), length (4)
row wire "bad magic" 1 'dropped: bad frame; ignoring input until the host reconnects' wire "$(frame ed01070000000000000000050000000001)"
row wire "empty CONTROL frame" 1 'dropped: bad frame; ignoring input until the host reconnects' wire "$(frame ec0107000000000000000000)"
row wire "DATA frame on the control port" 1 'dropped: unexpected frame type on the control port' wire "$(frame ec0103000000000100000003616263)"
row wire "unknown verb" 1 'reply id=3 ok=0 error=unknown verb' wire "$(frame ec0107000000000000000005 6300000003)"
row wire "host-only verb from the host" 1 'reply id=4 ok=0 error=verb not accepted by the guest' wire "$(frame ec0107000000000000000005 0200000004)"
row wire "field without =" 1 'reply id=5 ok=0 error=malformed control message' wire "$(frame ec010700000000000000000d 12000000056e6f76616c75650a)"

# ---- Docker API requests through the host socket and the API filter ----
row docker "--pid=host" 1 '403: ecivm: --pid=host is not allowed: containers cannot share namespaces with the VM' api "$(create '{"Image":"bb","HostConfig":{"PidMode":"host"}}')"
row docker "--network=host" 1 '403: ecivm: --network=host is not allowed: containers cannot share namespaces with the VM' api "$(create '{"Image":"bb","HostConfig":{"NetworkMode":"host"}}')"
row docker "bind of the Docker socket" 1 '403: ecivm: mounting /var/run/docker.sock is not allowed: the engine'\''s sockets can only be mounted into allow-listed images (enhancedContainerIsolation.dockerSocketMount)' api "$(create '{"Image":"bb","HostConfig":{"Binds":["/var/run/docker.sock:/s"]}}')"
row docker "body not JSON" 1 '400: ecivm: the request body is not a JSON object' api "$(create '{"Image":')"
row docker "docker load (blocked by the admin)" 1 '403: ecivm: docker load is blocked by the administrator (blockDockerLoad)' api 'POST /v1.41/images/load HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n'
row docker "build --network=host" 1 '403: ecivm: docker build --network=host is not allowed: builds cannot use the VM'\''s network' api 'POST /v1.41/build?networkmode=host HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n'
row docker "garbage request line" 1 '400: ecivm: malformed HTTP: request line' api 'GARBAGE\r\n\r\n'
row docker "header without a colon" 1 '400: ecivm: malformed HTTP: header line' api 'GET /_ping HTTP/1.1\r\nHost d\r\n\r\n'
row docker "request head over 64 KiB" 1 '400: ecivm: request head larger than 64 KiB' api "GET /_ping HTTP/1.1\\r\\nX: $(head -c 70000 /dev/zero | tr '\0' a)\\r\\n\\r\\n"
row docker "malformed chunked body" 1 '400: ecivm: malformed chunked body' api 'POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'
row docker "Content-Length and chunked together" 1 '400: ecivm: malformed HTTP: both Content-Length and Transfer-Encoding' api 'POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}'

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
