#!/bin/bash
# Refusals that need no running VM: tampered artifacts and manifests are
# refused before QEMU starts, with the artifact and both digests named; bad
# CLI input gets a one-line error and a non-zero exit.
. "$(dirname "$0")/lib.sh"
require_image

# An image dir whose files are hard links to the real ones, except FILE,
# which is a private copy the test may change.
image_copy() {
        local dir=$1 file=$2
        mkdir -p "$dir"
        for f in "$ECIVM_IMAGE_DIR"/*; do ln -f "$f" "$dir/" 2>/dev/null || cp -f "$f" "$dir/"; done
        rm -f "$dir/$file" && cp "$ECIVM_IMAGE_DIR/$file" "$dir/$file"
}

flip_byte() { # FILE OFFSET
        local b
        b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
        printf "$(printf '\\%03o' $(((b ^ 1) & 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# refused DESCRIPTION PATTERN: ecivm up must fail, print PATTERN, start no QEMU
refused() {
        local d=$1 pattern=$2 out rc
        out=$("$ECIVM" up --accel=tcg 2>&1)
        rc=$?
        if [ $rc -ne 0 ] && grep -qE -- "$pattern" <<<"$out" && ! pgrep -f "process=ecivm-qemu.*$T" >/dev/null &&
                [ ! -e "$ECIVM_STATE_DIR/qemu.log" ]; then
                ok "$d"
        else
                not_ok "$d (exit $rc)"
                echo "$out" | sed 's/^/# /'
        fi
        "$ECIVM" down >/dev/null 2>&1
}

# root.erofs itself is checked by dm-verity in the guest (tests/integration/
# attest.sh flips a block of it); its hash tree is hashed before boot.
for art in vmlinuz:kernel initrd.img:initrd root.verity:hashtree; do
        file=${art%%:*} name=${art#*:}
        export ECIVM_IMAGE_DIR_ORIG=$ECIVM_IMAGE_DIR
        dir="$T/img-$name"
        image_copy "$dir" "$file"
        size=$(stat -c %s "$dir/$file")
        flip_byte "$dir/$file" $((size / 2))
        ECIVM_IMAGE_DIR=$dir refused "one flipped byte in $file is refused before boot" \
                "^ecivm: VM failed: $name: digest mismatch: expected [0-9a-f]{64} actual [0-9a-f]{64}$"
done

dir="$T/img-manifest"
image_copy "$dir" manifest.json
sed -i 's/"manifestVersion" : 2/"manifestVersion" : 99/' "$dir/manifest.json"
ECIVM_IMAGE_DIR=$dir refused "an edited manifest (version) fails its signature" \
        "manifest.json: signature does not verify with any trusted key"

image_copy "$dir" manifest.json
head -c 100 "$ECIVM_IMAGE_DIR/manifest.json" >"$dir/manifest.json"
ECIVM_IMAGE_DIR=$dir refused "a truncated manifest fails its signature" \
        "^ecivm: VM failed: manifest.json: signature does not verify with any trusted key \([0-9a-f]{16}\)$"

image_copy "$dir" manifest.json
sed -i 's/apparmor=0/apparmor=0 init=\/bin\/sh/' "$dir/manifest.json"
ECIVM_IMAGE_DIR=$dir refused "an edited manifest (cmdline) fails its signature" \
        "manifest.json: signature does not verify with any trusted key"

ECIVM_IMAGE_DIR="$T/nonexistent" refused "a missing image dir is refused" \
        "^ecivm: VM failed: Failed to open file .{1,3}$T/nonexistent/manifest.json.{1,3}: No such file or directory$"

# CLI input: exit 2 and exactly the one line naming the input
# cli_refused DESCRIPTION LINE-PATTERN COMMAND...
cli_refused() {
        local d=$1 pattern=$2 out rc
        shift 2
        out=$("$@" 2>&1); rc=$?
        if [ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qE -- "$pattern" <<<"$out"; then ok "$d"
        else not_ok "$d: exit $rc"; echo "$out" | sed 's/^/# /'; fi
}
# the CLI checks --accel itself, before it would start a daemon
cli_refused "bad --accel value refused in one line (exit 2)" \
        '^ecivm up: --accel: unknown mode "warp" \(expected auto, kvm or tcg\)$' "$ECIVM" up --accel=warp
[ ! -e "$ECIVM_RUN_DIR/ecivmd.sock" ] && ok "no daemon was started for the refused --accel" ||
        not_ok "a daemon was started for up --accel=warp"
cli_refused "unknown command: exit 2" '^ecivm: unknown command "frobnicate"' "$ECIVM" frobnicate
cli_refused "unknown option: exit 2" '^ecivm status: Unknown option --bogus$' "$ECIVM" status --bogus
cli_refused "ecivmd: bad --cpus refused" '^ecivmd: Cannot parse integer value .{1,3}abc.{1,3} for --cpus$' \
        "$ECIVMD" --cpus=abc
cli_refused "global option without = refused (exit 2)" \
        '^ecivm: unknown option "--run-dir" \(global options take the form --name=value\)$' "$ECIVM" --run-dir "$T/x" status

# The service socket survives garbage and answers it.
"$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" --image-dir="$ECIVM_IMAGE_DIR" \
        >"$T/ecivmd.log" 2>&1 &
dpid=$!
for _ in $(seq 50); do [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && break; sleep 0.1; done
reply=$(printf '{"v":1,"id":4,"method":"exec","params":{"cmd":"sh"}}\n' | socat -t2 - "UNIX-CONNECT:$ECIVM_RUN_DIR/ecivmd.sock")
grep -q '"ok":false' <<<"$reply" && grep -q 'unknown method' <<<"$reply" && ok "service refuses an unknown method" ||
        not_ok "unknown method reply: $reply"
# the daemon's own check of a start request (the CLI never sends this one)
reply=$(printf '{"v":1,"id":5,"method":"start","params":{"accel":"warp"}}\n' |
        socat -t2 - "UNIX-CONNECT:$ECIVM_RUN_DIR/ecivmd.sock")
grep -q '"ok":false' <<<"$reply" && grep -qF 'accel: unknown mode \"warp\"' <<<"$reply" &&
        ok "service refuses start with an unknown accel mode" || not_ok "start accel=warp reply: $reply"
reply=$(printf 'not json\n' | socat -t2 - "UNIX-CONNECT:$ECIVM_RUN_DIR/ecivmd.sock")
grep -q '"code":"invalid"' <<<"$reply" && ok "service answers malformed JSON with an error" || not_ok "garbage reply: $reply"
python3 - "$ECIVM_RUN_DIR/ecivmd.sock" >"$T/big-reply" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 100000)
except OSError:
    pass  # the daemon hangs up on an oversized line
print(s.recv(4096).decode())
PY
grep -q "longer than" "$T/big-reply" && ok "oversized request refused" || not_ok "oversized: $(head -c 200 "$T/big-reply")"
out=$("$ECIVM" status --json 2>&1)
grep -q '"state" : "stopped"' <<<"$out" && grep -q "\"pid\" : $dpid," <<<"$out" &&
        ok "the same daemon still answers after bad requests" || not_ok "status after bad requests: $out"
second=$("$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "another ecivmd is running" <<<"$second" && ok "a second daemon on the same run dir is refused" ||
        not_ok "second daemon: exit $rc: $second"
kill "$dpid"; wait "$dpid" 2>/dev/null

# --backend=libvirt loads ecivm-libvirt.so (beside the binary, else pkglibdir)
# at start-up: a missing or foreign module is a one-line error, not a crash.
mkdir -p "$T/lonely"
cp "$ECIVMD" "$T/lonely/ecivmd"
out=$("$T/lonely/ecivmd" --backend=libvirt --run-dir="$T/lonely/run" --state-dir="$ECIVM_STATE_DIR" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -Eq '^ecivmd: libvirt backend: .*/ecivm-libvirt.so: ' <<<"$out" &&
        ok "--backend=libvirt without its module: exit 2, the module named" || not_ok "no module: exit $rc: $out"
cc -shared -fPIC -o "$T/lonely/ecivm-libvirt.so" -x c - <<<'int ecivm_libvirt_module;' 2>"$T/cc.log"
out=$("$T/lonely/ecivmd" --backend=libvirt --run-dir="$T/lonely/run" --state-dir="$ECIVM_STATE_DIR" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "ecivm-libvirt.so: not an ecivm ecivm-libvirt.so module of this build" <<<"$out" &&
        ok "a foreign ecivm-libvirt.so is refused" || not_ok "foreign module: exit $rc: $out"
ldd "$ECIVMD" | grep -Eq 'libvirt|libcrypto' && not_ok "ecivmd links $(ldd "$ECIVMD" | grep -Eo 'lib(virt|crypto)[^ ]*' | xargs)" ||
        ok "ecivmd links neither libvirt nor libcrypto"
finish
