#!/bin/bash
# The libvirt path with a real libvirtd (started here, without systemd, if
# none runs): `ecivm export-libvirt` gives a domain that `virsh define` +
# `virsh start` boot to dockerd ready; ecivmd --backend=libvirt defines and
# starts the same domain through the libvirt C API, the Docker API works
# through its channel, and a `virsh destroy` is noticed by ecivmd.
# The guest runs TCG (<domain type='qemu'>).
. "$(dirname "$0")/lib.sh"
require_image
for p in libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu >"$T/apt.log" 2>&1 ||
                bail "cannot install libvirt (see $T/apt.log)"
        break
done
VIRSH="virsh -q -c qemu:///system"
DOM=ecivm-it-$$
started_libvirtd=
started_virtlogd=

lv_cleanup() {
        for d in "$DOM" ecivm; do
                $VIRSH domstate "$d" >/dev/null 2>&1 || continue
                # only domains of this test (their disks are under $T)
                $VIRSH dumpxml "$d" 2>/dev/null | grep -q "$T/" || continue
                $VIRSH destroy "$d" >/dev/null 2>&1
                $VIRSH undefine "$d" >/dev/null 2>&1
        done
        [ -n "$started_libvirtd" ] && kill "$started_libvirtd" 2>/dev/null
        [ -n "$started_virtlogd" ] && kill "$started_virtlogd" 2>/dev/null
        cleanup
}
trap lv_cleanup EXIT

# libvirtd without systemd: virtlogd first (else "Failed to connect socket
# to '/run/libvirt/virtlogd-sock'"); the first start probes QEMU (~8 s).
if ! pgrep -x virtlogd >/dev/null; then
        virtlogd -d && started_virtlogd=$(pgrep -n -x virtlogd)
fi
if ! $VIRSH version >/dev/null 2>&1; then
        libvirtd -d && started_libvirtd=$(pgrep -n -x libvirtd)
        for _ in $(seq 1 120); do $VIRSH version >/dev/null 2>&1 && break; sleep 0.5; done
fi
$VIRSH version >/dev/null 2>&1 || bail "libvirtd does not answer on qemu:///system"
ok "libvirtd answers on qemu:///system${started_libvirtd:+ (started by this test)}"

vm_lock
# QEMU runs as libvirt-qemu: it must traverse to the data disk (no listing).
chmod 0711 "$T"
mkdir -p "$ECIVM_STATE_DIR" && chmod 0711 "$ECIVM_STATE_DIR"

# --- 1. the exported XML, by hand with virsh ---
check "ecivm export-libvirt prints a domain" sh -c '"$0" export-libvirt --name "$1" >"$2"' "$ECIVM" "$DOM" "$T/dom.xml"
check "the XML validates against libvirt's schema" virt-xml-validate "$T/dom.xml" domain
cmdline=$(sed -n 's:.*<cmdline>\(.*\)</cmdline>.*:\1:p' "$T/dom.xml")
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cmdline"])' "$ECIVM_IMAGE_DIR/manifest.json")
[ "$cmdline" = "$want" ] && ok "the XML carries the measured cmdline" || not_ok "cmdline $cmdline != $want"
mkfs.ext4 -q -F -L ecivm-data -E lazy_itable_init=1,nodiscard "$ECIVM_STATE_DIR/data.img" 4G
check "virsh define" $VIRSH define "$T/dom.xml"
check "virsh start" $VIRSH start "$DOM"
for _ in $(seq 1 300); do grep -q 'dockerd ready' "$ECIVM_STATE_DIR/console.log" 2>/dev/null && break; sleep 1; done
check "the virsh-started domain boots to dockerd ready" grep -q 'dockerd ready' "$ECIVM_STATE_DIR/console.log"
check "virsh destroy" $VIRSH destroy "$DOM"
check "virsh undefine" $VIRSH undefine "$DOM"
owner=$(stat -c %U "$ECIVM_IMAGE_DIR/vmlinuz" "$ECIVM_IMAGE_DIR/root.erofs" | sort -u | tr '\n' ' ')
[ "$owner" = "root " ] && ok "the measured images are root's again after the run" || not_ok "image owners: $owner"

# --- 2. ecivmd --backend=libvirt ---
"$ECIVMD" --image-dir="$ECIVM_IMAGE_DIR" --state-dir="$ECIVM_STATE_DIR" --run-dir="$ECIVM_RUN_DIR" \
        ${ECIVM_TRUSTED_KEY:+--trusted-key="$ECIVM_TRUSTED_KEY"} \
        $([ -f "$top_builddir/images/keys/image.pub" ] && echo --trusted-key="$top_builddir/images/keys/image.pub") \
        --backend=libvirt --libvirt-uri=qemu:///system --accel=tcg --boot-timeout=300 \
        >"$ECIVM_STATE_DIR/ecivmd.log" 2>&1 &
daemon=$!
for _ in $(seq 1 50); do [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && break; sleep 0.1; done
up_out=$("$ECIVM" up --accel=tcg 2>&1)
rc=$?
echo "$up_out" | sed 's/^/# /'
[ $rc -eq 0 ] && ok "ecivm up with ecivmd --backend=libvirt reaches ready" || not_ok "ecivm up failed ($rc)"
check "the domain runs under libvirt" sh -c '$0 -c qemu:///system domstate ecivm | grep -q running' virsh
server=$(docker version --format '{{.Server.Version}}' 2>&1)
[[ $server == 20.10.* ]] && ok "docker version through the domain's channel ($server)" || not_ok "docker version: $server"
hi=$(docker import "$BB_TAR" bb >/dev/null 2>&1 && docker run --rm bb echo hi 2>&1)
[ "$hi" = hi ] && ok "docker run through the libvirt domain" || not_ok "docker run printed: $hi"

check "virsh destroy of ecivmd's domain" $VIRSH destroy ecivm
for _ in $(seq 1 50); do "$ECIVM" status --json 2>/dev/null | grep -q '"state" : "failed"' && break; sleep 0.2; done
status=$("$ECIVM" status 2>&1)
echo "$status" | sed 's/^/# /'
grep -q '^state: *failed' <<<"$status" && grep -q 'reason: *libvirt: domain destroyed' <<<"$status" &&
        ok "ecivmd noticed the destroy (failed, reason names libvirt)" || not_ok "status after destroy"
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
$VIRSH undefine ecivm >/dev/null 2>&1
finish
