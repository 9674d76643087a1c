#!/bin/bash
# The libvirt path with a real libvirtd (started here, without systemd, if
# none runs): `ecivm export-libvirt` gives a domain that `virsh define` +
# `virsh start` boot to dockerd ready; ecivmd --backend=libvirt defines and
# starts the same domain through the libvirt C API, the Docker API works
# through its channel, and a `virsh destroy` is noticed by ecivmd; then the
# same over a remote URI, qemu+ssh:// to an sshd this test starts.
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
started_sshd=
SSH_HOSTS_ENTRY=

lv_cleanup() {
        for d in "$DOM" ecivm; do
                $VIRSH domstate "$d" >/dev/null 2>&1 || continue
                # only domains of this test (their disks are under $T)
                $VIRSH dumpxml "$d" 2>/dev/null | grep -q "$T/" || continue
                $VIRSH destroy "$d" >/dev/null 2>&1
                $VIRSH undefine "$d" >/dev/null 2>&1
        done
        # and wait for them to end: a run right after this one would still
        # find them answering, not start its own, and lose them mid-test
        local pid
        for pid in $started_libvirtd $started_virtlogd $started_sshd; do
                kill "$pid" 2>/dev/null || continue
                for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        done
        [ -n "$SSH_HOSTS_ENTRY" ] && ssh-keygen -R "$SSH_HOSTS_ENTRY" >/dev/null 2>&1
        cleanup
}
trap lv_cleanup EXIT

# /dev/kvm without udev is root:root 0600.  libvirt's capabilities probe runs
# QEMU with CAP_DAC_OVERRIDE and so records KVM as enabled, while its cache
# check (virQEMUCapsKVMUsable: access() as the QEMU user libvirt-qemu:kvm)
# says KVM is unusable: "KVM was enabled when probing ..., but it is not
# available now" invalidates the cache on every lookup and each API call
# re-probes every emulator (~4 s each; `virsh define` took 30-70 s).  Give
# /dev/kvm the group and mode udev gives it (kvm, 0660) so both agree.  The
# guests here still run TCG (<domain type='qemu'>).
if [ -c /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]; then
        chgrp kvm /dev/kvm && chmod 0660 /dev/kvm && diag "/dev/kvm: group kvm, mode 0660 (as udev would)"
fi
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
t0=$(date +%s%N)
check "virsh define (bounded: 120 s)" timeout 120 $VIRSH define "$T/dom.xml"
ms=$((($(date +%s%N) - t0) / 1000000))
diag "virsh define took $ms ms"
[ "$ms" -lt 10000 ] && ok "virsh define in under 10 s (no capabilities re-probe)" || not_ok "virsh define took $ms ms"
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

# 50 MB each way through the channel streams, checksummed end to end
head -c 52428800 /dev/urandom >"$T/blob"
want=$(sha256sum <"$T/blob" | cut -d' ' -f1)
cid=$(docker create bb true 2>&1)
t0=$(date +%s%N)
check "docker cp 50 MB into a container (libvirt stream)" docker cp "$T/blob" "$cid:/blob"
t1=$(date +%s%N)
check "docker cp 50 MB out of it" docker cp "$cid:/blob" "$T/blob.out"
t2=$(date +%s%N)
got=$(sha256sum <"$T/blob.out" 2>/dev/null | cut -d' ' -f1)
[ "$want" = "$got" ] && ok "docker cp round trip checksum (50 MB)" || not_ok "cp checksum $got != $want"
diag "$(awk -v i=$((t1 - t0)) -v o=$((t2 - t1)) 'BEGIN { printf "libvirt channel throughput: docker cp in %.1f MB/s, out %.1f MB/s", 52.4288e9 / i, 52.4288e9 / o }')"
docker rm "$cid" >/dev/null 2>&1
rm -f "$T/blob" "$T/blob.out"
grep -q "libvirt channel org.ecivm" "$ECIVM_STATE_DIR/ecivmd.log" && not_ok "a channel stream ended early" ||
        ok "the channel streams are still up"

# graceful down: the guest powers off, the domain ends, status stopped
check "ecivm down" "$ECIVM" down
status=$("$ECIVM" status 2>&1)
echo "$status" | sed 's/^/# /'
grep -q '^state: *stopped' <<<"$status" && grep -q 'reason: *powered off' <<<"$status" &&
        ok "status after down: stopped, powered off" || not_ok "status after down"
state=$($VIRSH domstate ecivm --reason 2>&1)
[[ $state == "shut off (shutdown)" ]] && ok "the domain ended by guest power-off ($state)" ||
        not_ok "domstate after down: $state"
# a second up redefines and boots the same domain
up_out=$("$ECIVM" up --accel=tcg 2>&1)
rc=$?
echo "$up_out" | sed 's/^/# /'
[ $rc -eq 0 ] && ok "a second ecivm up redefines and boots the domain" || not_ok "second ecivm up failed ($rc)"
hi=$(docker run --rm bb echo again 2>&1)
[ "$hi" = again ] && ok "docker run after down/up (image kept on the data disk)" || not_ok "after down/up: $hi"

# a hang: virsh suspend pauses the vCPUs; ecivmd notices the silence, gives
# the domain's CPU time meanwhile (from libvirt), destroys and restarts it
check "virsh suspend of ecivmd's domain (vCPUs paused)" $VIRSH suspend ecivm
hang=
for _ in $(seq 1 80); do
        hang=$("$ECIVM" status 2>&1 | grep -o 'guest hung: no heartbeat.*') && break
        sleep 0.5
done
[[ $hang =~ "QEMU ran "[0-9.]+" s of CPU in those "[0-9]+" s, "([0-9]+)\.[0-9]+" s in the last " ]] &&
        [ "${BASH_REMATCH[1]}" -eq 0 ] &&
        ok "the hang is detected, with the domain's CPU time from libvirt: under 1 s ($hang)" ||
        not_ok "no hang with CPU time in status: ${hang:-$("$ECIVM" status 2>&1 | tr '\n' ' ')}"
for _ in $(seq 1 240); do "$ECIVM" status --json 2>/dev/null | grep -q '"state" : "ready"' && break; sleep 0.5; done
hi=$(docker run --rm bb echo restarted 2>&1)
[ "$hi" = restarted ] && ok "ready again after the hang: docker run in the restarted domain" ||
        not_ok "after the hang: $hi ($("$ECIVM" status 2>&1 | tr '\n' ' '))"

check "virsh destroy of ecivmd's domain" $VIRSH destroy ecivm
for _ in $(seq 1 50); do "$ECIVM" status --json 2>/dev/null | grep -q '"state" : "failed"' && break; sleep 0.2; done
status=$("$ECIVM" status 2>&1)
echo "$status" | sed 's/^/# /'
grep -q '^state: *failed' <<<"$status" && grep -q 'reason: *libvirt: domain destroyed' <<<"$status" &&
        ok "ecivmd noticed the destroy (failed, reason names libvirt)" || not_ok "status after destroy"
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null

# --- 3. a remote URI: qemu+ssh:// through an sshd started here ---
# libvirt's ssh transport runs ssh(1), which runs virt-ssh-helper on the far
# side to reach libvirtd; ecivmd has no local path to the domain: its
# channels are streams over that connection.  The far side is this host
# (root@127.0.0.1 on a spare port, a throwaway host key and client key).
ssh_remote() {
        local port uri hi want got cid
        if [ ! -x /usr/sbin/sshd ] &&
                ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \
                        >>"$T/apt.log" 2>&1; then
                ok "# SKIP qemu+ssh: openssh-server cannot be installed (see $T/apt.log)"
                return
        fi
        mkdir -p "$T/ssh" /run/sshd && chmod 0700 "$T/ssh"
        ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" &&
                cp "$T/ssh/id.pub" "$T/ssh/authorized_keys" || bail "ssh-keygen failed"
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        cat >"$T/ssh/sshd_config" <<EOC
Port $port
ListenAddress 127.0.0.1
HostKey $T/ssh/host_key
PidFile $T/ssh/sshd.pid
AuthorizedKeysFile $T/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOC
        check "sshd started on 127.0.0.1:$port" /usr/sbin/sshd -f "$T/ssh/sshd_config" -E "$T/ssh/sshd.log"
        started_sshd=$(cat "$T/ssh/sshd.pid" 2>/dev/null)
        # no_verify: ssh accepts the throwaway host key (and records it in
        # root's known_hosts, removed again at exit)
        SSH_HOSTS_ENTRY="[127.0.0.1]:$port"
        uri="qemu+ssh://root@127.0.0.1:$port/system?keyfile=$T/ssh/id&no_verify=1&no_tty=1"
        check "virsh answers on $uri" virsh -q -c "$uri" version
        "$ECIVMD" --image-dir="$ECIVM_IMAGE_DIR" --state-dir="$ECIVM_STATE_DIR" --run-dir="$ECIVM_RUN_DIR" \
                ${ECIVM_TRUSTED_KEY:+--trusted-key="$ECIVM_TRUSTED_KEY"} \
                $([ -f "$top_builddir/images/keys/image.pub" ] && echo --trusted-key="$top_builddir/images/keys/image.pub") \
                --backend=libvirt --libvirt-uri="$uri" --accel=tcg --boot-timeout=300 \
                >"$ECIVM_STATE_DIR/ecivmd-ssh.log" 2>&1 &
        daemon=$!
        for _ in $(seq 1 50); do [ -S "$ECIVM_RUN_DIR/ecivmd.sock" ] && break; sleep 0.1; done
        up_out=$("$ECIVM" up --accel=tcg 2>&1)
        rc=$?
        echo "$up_out" | sed 's/^/# /'
        [ $rc -eq 0 ] && ok "ecivm up with --libvirt-uri=qemu+ssh://... reaches ready" || not_ok "ecivm up over ssh ($rc)"
        grep -q "started libvirt qemu+ssh://root@127.0.0.1:$port/system" "$ECIVM_STATE_DIR/ecivmd-ssh.log" &&
                ok "ecivmd started the domain over the ssh URI" || not_ok "no ssh start in ecivmd-ssh.log"
        pgrep -P "$daemon" -x ssh >/dev/null && ok "ecivmd's libvirt connection is an ssh child process" ||
                not_ok "no ssh child of ecivmd"
        grep -q "Accepted publickey for root" "$T/ssh/sshd.log" && ok "sshd accepted ecivmd's key" ||
                not_ok "sshd log: $(tail -2 "$T/ssh/sshd.log")"
        hi=$(docker run --rm bb echo over-ssh 2>&1)
        [ "$hi" = over-ssh ] && ok "docker run through the domain's channel over ssh" || not_ok "docker run over ssh: $hi"
        head -c 10485760 /dev/urandom >"$T/blob"
        want=$(sha256sum <"$T/blob" | cut -d' ' -f1)
        cid=$(docker create bb true 2>&1)
        docker cp "$T/blob" "$cid:/blob" && docker cp "$cid:/blob" "$T/blob.out"
        got=$(sha256sum <"$T/blob.out" 2>/dev/null | cut -d' ' -f1)
        [ "$want" = "$got" ] && ok "docker cp 10 MB round trip over ssh, checksum" || not_ok "cp over ssh: $got != $want"
        docker rm "$cid" >/dev/null 2>&1
        check "virsh destroy of the domain" $VIRSH destroy ecivm
        for _ in $(seq 1 50); do "$ECIVM" status --json 2>/dev/null | grep -q '"state" : "failed"' && break; sleep 0.2; done
        "$ECIVM" status 2>&1 | grep -q 'reason: *libvirt: domain destroyed' &&
                ok "ecivmd noticed the destroy over ssh" || not_ok "status after destroy: $("$ECIVM" status 2>&1)"
        kill "$daemon" 2>/dev/null
        wait "$daemon" 2>/dev/null
}
ssh_remote
$VIRSH undefine ecivm >/dev/null 2>&1
finish
