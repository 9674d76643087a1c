#!/bin/bash
# Signed manifest and dm-verity root: every tampering is refused before boot
# or makes the guest fail closed at boot; the VM never reaches dockerd.
. "$(dirname "$0")/lib.sh"
require_image

image_copy() { # DIR FILE...: hard links to the real image, private copies of FILEs
        local dir=$1 f
        shift
        mkdir -p "$dir"
        for f in "$ECIVM_IMAGE_DIR"/*; do ln -f "$f" "$dir/" 2>/dev/null || cp -f "$f" "$dir/"; done
        for f in "$@"; do rm -f "$dir/$f" && cp "$ECIVM_IMAGE_DIR/$f" "$dir/$f"; done
}
flip_byte() { # FILE OFFSET
        local b
        b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
        printf "$(printf '\\%03o' $(((b ^ 1) & 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
sign() { # KEY FILE: writes FILE.sig (what ecivm manifest --sign-key writes)
        openssl pkeyutl -sign -inkey "$1" -rawin -in "$2" | base64 -w0 >"$2.sig" && echo >>"$2.sig"
}
# refused DESCRIPTION PATTERN: ecivm up fails with PATTERN and no QEMU ran
refused() {
        local d=$1 pattern=$2 out rc
        out=$("$ECIVM" up --accel=tcg 2>&1)
        rc=$?
        if [ $rc -ne 0 ] && grep -qE -- "$pattern" <<<"$out" && [ ! -e "$ECIVM_STATE_DIR/qemu.log" ]; then
                ok "$d"
        else
                not_ok "$d (exit $rc)"
                echo "$out" | sed 's/^/# /'
        fi
        "$ECIVM" down >/dev/null 2>&1
}

"$ECIVM" keygen --out "$T/keys" --name test >/dev/null || bail "keygen failed"
[ "$(stat -c %a "$T/keys/test.key")" = 600 ] && [ "$(stat -c %a "$T/keys")" = 700 ] &&
        ok "keygen: private key 0600 in a 0700 directory" || not_ok "keygen modes"
"$ECIVM" keygen --out "$T/keys" --name test >/dev/null 2>&1 && not_ok "keygen overwrote a key" ||
        ok "keygen refuses to overwrite a key"

dir=$T/img-nosig
image_copy "$dir"
rm -f "$dir/manifest.json.sig"
ECIVM_IMAGE_DIR=$dir refused "a manifest without signature is refused" "manifest.json: signature missing"

dir=$T/img-badsig
image_copy "$dir" manifest.json.sig
sed -i 's/^./A/; t; s/^A/B/' "$dir/manifest.json.sig"
cmp -s "$dir/manifest.json.sig" "$ECIVM_IMAGE_DIR/manifest.json.sig" && sed -i 's/^A/B/' "$dir/manifest.json.sig"
ECIVM_IMAGE_DIR=$dir refused "a modified signature is refused" "manifest.json: signature (does not verify|is not)"

dir=$T/img-otherkey
image_copy "$dir" manifest.json.sig
sign "$T/keys/test.key" "$dir/manifest.json"
ECIVM_IMAGE_DIR=$dir refused "a manifest signed by an untrusted key is refused" \
        "manifest.json: signature does not verify with any trusted key"

# Re-signed with a trusted (test) key, but the cmdline is not what ecivm builds.
dir=$T/img-cmdline
image_copy "$dir" manifest.json manifest.json.sig
sed -i 's/apparmor=0/apparmor=0 init=\/bin\/sh/' "$dir/manifest.json"
sign "$T/keys/test.key" "$dir/manifest.json"
ECIVM_TRUSTED_KEY=$T/keys/test.pub ECIVM_IMAGE_DIR=$dir refused \
        "a re-signed manifest whose cmdline differs from ecivm's is refused" "cmdline: differs from the manifest"

# Re-signed with a trusted key, kernel digest changed in the manifest only.
dir=$T/img-kdigest
image_copy "$dir" manifest.json manifest.json.sig
python3 - "$dir/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
k = m["kernel"]["sha256"]
m["kernel"]["sha256"] = ("0" if k[0] != "0" else "1") + k[1:]
open(sys.argv[1], "w").write(json.dumps(m, indent=2) + "\n")
PY
sign "$T/keys/test.key" "$dir/manifest.json"
ECIVM_TRUSTED_KEY=$T/keys/test.pub ECIVM_IMAGE_DIR=$dir refused \
        "a re-signed manifest with another kernel digest is refused" \
        "kernel: digest mismatch: expected [0-9a-f]{64} actual [0-9a-f]{64}"

dir=$T/img-truncated-root
image_copy "$dir" root.erofs
truncate -s -4096 "$dir/root.erofs"
ECIVM_IMAGE_DIR=$dir refused "a root image of the wrong size is refused" "root: size mismatch"

# One flipped byte in the first block of /usr/sbin/dockerd inside root.erofs:
# the signed manifest and the hash tree are untouched, so measurement passes,
# and dm-verity must stop the guest before dockerd runs.
# (images/build.sh unpacks each suite's root under images/cache/suites/SUITE)
suite=$(sed -n 's/^SUITE=//p' "$ECIVM_IMAGE_DIR/build-info.env" 2>/dev/null)
tree=$top_builddir/images/cache/suites/${suite:-bookworm}/trees/rootfs/usr/sbin/dockerd
if [ ! -f "$tree" ]; then
        not_ok "root block tamper: no unpacked root tree ($tree): make images builds it"
else
        off=$(python3 - "$tree" "$ECIVM_IMAGE_DIR/root.erofs" <<'PY'
import mmap, sys
head = open(sys.argv[1], 'rb').read(4096)
f = open(sys.argv[2], 'rb')
m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
i = m.find(head)
print(i if i >= 0 and i % 4096 == 0 and m.find(head, i + 1) < 0 else -1)
PY
)
        if [ "$off" -lt 0 ]; then
                not_ok "dockerd's first block not found once, block-aligned, in root.erofs"
        else
                dir=$T/img-rootblock
                image_copy "$dir" root.erofs
                flip_byte "$dir/root.erofs" $((off + 100))
                vm_lock
                out=$(ECIVM_IMAGE_DIR=$dir "$ECIVM" up --accel=tcg 2>&1); rc=$?
                status=$(ECIVM_IMAGE_DIR=$dir "$ECIVM" status --json 2>&1)
                con=$ECIVM_STATE_DIR/console.log
                [ $rc -ne 0 ] && grep -q "root image corrupted" <<<"$out" &&
                        ok "a flipped root block fails the boot: ${out##*VM failed: }" ||
                        { not_ok "root block tamper: exit $rc"; echo "$out" | sed 's/^/# /'; }
                grep -qE "verity: .*data block [0-9]+ is corrupted" "$con" &&
                        ok "the guest console shows the dm-verity corruption" ||
                        not_ok "no verity corruption on the console"
                grep -q "FAILED\|root image corrupted" "$con" && ! grep -q "dockerd ready" "$con" &&
                        ok "init reports the failure and dockerd never became ready" ||
                        not_ok "console: dockerd ready or no failure reported"
                grep -q '"state" : "failed"' <<<"$status" && grep -q "root image corrupted" <<<"$status" &&
                        ok "ecivm status: failed with the reason" || not_ok "status: $status"
                "$ECIVM" down >/dev/null 2>&1
                rm -f "$ECIVM_STATE_DIR/qemu.log"
        fi
fi
# ---- attestation: a clean boot attests and verifies offline ----
vm_lock
AKEY=$ECIVM_STATE_DIR/attest.pub
IMGKEY=$top_builddir/images/keys/image.pub
MANIFEST=$ECIVM_IMAGE_DIR/manifest.json
rand_nonce() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
doc_field() { # DOC FIELD: a member of the signed payload
        python3 -c 'import base64, json, sys; print(json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))[sys.argv[2]])' "$1" "$2"
}
first_failure() { # verify args...: the firstFailure of --json output
        "$ECIVM" verify "$@" --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["firstFailure"])'
}
vkeys=(--manifest "$MANIFEST" --key "$AKEY")
[ -f "$IMGKEY" ] && vkeys+=(--manifest-key "$IMGKEY")

out=$("$ECIVM" attest --nonce 00 2>&1) && not_ok "attest without a VM succeeded" ||
        ok "attest without a running VM fails: ${out##*: }"
if ! "$ECIVM" up --accel=tcg >"$T/up1" 2>&1; then
        not_ok "clean boot for attestation"; sed 's/^/# /' "$T/up1"
else
        n1=$(rand_nonce)
        check "ecivm attest --nonce --out writes a document" "$ECIVM" attest --nonce "$n1" --out "$T/doc1.json"
        "$ECIVM" attest --nonce "$n1" --out "$T/doc1b.json" 2>"$T/attest.err" >/dev/null
        grep -q "attestation public key: $AKEY" "$T/attest.err" && [ "$(stat -c %a "$ECIVM_STATE_DIR/attest.key")" = 600 ] &&
                ok "the attestation key is generated 0600, its public part is $AKEY" ||
                { not_ok "attestation key location/mode"; sed 's/^/# /' "$T/attest.err"; }
        out=$("$ECIVM" attest --nonce xyz 2>&1) && not_ok "a non-hex nonce was accepted" ||
                { grep -q "expected hex digits" <<<"$out" && ok "a non-hex nonce is refused" || not_ok "nonce: $out"; }
        if "$ECIVM" verify "$T/doc1.json" "${vkeys[@]}" --nonce "$n1" >"$T/v1" 2>&1; then
                ok "the document verifies offline against manifest.json with the attestation key"
                sed 's/^/# /' "$T/v1"
        else
                not_ok "clean document does not verify"; sed 's/^/# /' "$T/v1"
        fi
        [ "$(first_failure "$T/doc1.json" "${vkeys[@]}" --nonce "$(rand_nonce)")" = nonce ] &&
                ok "the same document with another nonce fails: nonce" || not_ok "another nonce did not fail on nonce"
        python3 - "$T/doc1.json" "$T/doc1-tampered.json" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
p = bytearray(base64.b64decode(d["payload"]))
i = p.index(b'"tainted":"') + len(b'"tainted":"')
p[i] ^= 1                                  # one byte of the signed payload
d["payload"] = base64.b64encode(bytes(p)).decode()
json.dump(d, open(sys.argv[2], "w"))
PY
        [ "$(first_failure "$T/doc1-tampered.json" "${vkeys[@]}" --nonce "$n1")" = signature ] &&
                ok "a tampered document byte fails: signature" || not_ok "tampered byte did not fail on signature"
        head -c 300 "$T/doc1.json" >"$T/doc1-trunc.json"
        [ "$(first_failure "$T/doc1-trunc.json" "${vkeys[@]}")" = document ] &&
                ok "a truncated document fails: document" || not_ok "truncated document"
        uuid1=$(doc_field "$T/doc1.json" instance)
        boot1=$(python3 -c 'import base64, json, sys; print(json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))["evidence"]["bootId"])' "$T/doc1.json")
        "$ECIVM" down >/dev/null 2>&1
        if ! "$ECIVM" up --accel=tcg >"$T/up2" 2>&1; then
                not_ok "second boot"; sed 's/^/# /' "$T/up2"
        else
                n2=$(rand_nonce)
                check "second boot attests" "$ECIVM" attest --nonce "$n2" --out "$T/doc2.json"
                uuid2=$(doc_field "$T/doc2.json" instance)
                [ -n "$uuid1" ] && [ "$uuid1" != "$uuid2" ] && ok "each boot has its own instance UUID ($uuid1, $uuid2)" ||
                        not_ok "instance UUIDs: '$uuid1' '$uuid2'"
                check "the second boot's document verifies with its own nonce and UUID" \
                        "$ECIVM" verify "$T/doc2.json" "${vkeys[@]}" --nonce "$n2" --instance "$uuid2"
                [ "$(first_failure "$T/doc2.json" "${vkeys[@]}" --nonce "$n1")" = nonce ] &&
                        ok "the second boot's document fails the first boot's nonce" || not_ok "doc2 with nonce1"
                [ "$(first_failure "$T/doc2.json" "${vkeys[@]}" --nonce "$n2" --instance "$uuid1")" = instance ] &&
                        ok "the second boot's document fails the first boot's instance UUID" || not_ok "doc2 with uuid1"
                diag "boot ids: $boot1 / $(python3 -c 'import base64, json, sys; print(json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))["evidence"]["bootId"])' "$T/doc2.json")"
        fi
        "$ECIVM" down >/dev/null 2>&1
fi
finish
