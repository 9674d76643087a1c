#!/bin/bash
# Boots the real VM (accel auto: on hosts whose KVM hangs guests this must
# fall back to TCG by itself) and drives its dockerd from the host with
# Debian's docker CLI through the ecivm socket: version, import + run,
# stdin/tty/attach/logs streams, 16 concurrent calls, a 50 MB load and cp
# round trip, then down/up keeping the data disk.
. "$(dirname "$0")/lib.sh"
require_image
vm_lock

up_out=$("$ECIVM" up --accel=auto 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
echo "$up_out" | sed 's/^/# /'
ok "ecivm up (accel auto) reaches ready"

check "ecivm status exits 0 and says ready" sh -c '"$0" status | grep -q "^state: *ready"' "$ECIVM"
status_json=$("$ECIVM" status --json)
if grep -q '"accel" : "kvm"' <<<"$status_json"; then
        ok "auto chose KVM and the guest runs under it"
else
        # the probe's verdict ("KVM ...") or, on a host without a usable
        # /dev/kvm, that reason ("/dev/kvm cannot be opened read-write: ...")
        check "auto fell back to TCG and said why" grep -qE '"accelReason" : "(KVM|/dev/kvm cannot be opened)' \
                <<<"$status_json"
fi

mode=$(stat -c '%a %U' "$DOCKER_SOCK")
if [ "$mode" = "660 root" ]; then ok "docker socket is 0660 root-owned"; else not_ok "docker socket mode is $mode"; fi
grp=$(stat -c %G "$DOCKER_SOCK")
if ! getent group ecivm >/dev/null; then
        not_ok "no group ecivm on this host (tools/install-deps.sh creates it): the socket group is unchecked"
elif [ "$grp" = ecivm ]; then ok "docker socket group is ecivm"
else not_ok "docker socket group is $grp"; fi

server=$(docker version --format '{{.Server.Version}}' 2>&1)
[[ $server == 20.10.* ]] && ok "docker version reaches the guest's dockerd ($server)" || not_ok "docker version: $server"
guest_kernel=$(docker info --format '{{.KernelVersion}}' 2>&1)
want_kernel=$(sed -n 's/^KERNEL_RELEASE=//p' "$ECIVM_IMAGE_DIR/build-info.env")
[ "$guest_kernel" = "$want_kernel" ] && [ "$guest_kernel" != "$(uname -r)" ] &&
        ok "dockerd runs on the image's kernel $guest_kernel, not the host's" || not_ok "docker info kernel: $guest_kernel"

check "docker import of a local busybox image (no registry)" docker import "$BB_TAR" bb
hi=$(docker run --rm bb echo hi 2>&1)
if [ "$hi" = hi ]; then ok "docker run --rm bb echo hi"; else not_ok "docker run printed: $hi"; fi

# stdin through attach, with half-close: the container sees EOF and answers
head -c 3000000 /dev/urandom >"$T/in.bin"
want=$(sha256sum <"$T/in.bin" | cut -d' ' -f1)
got=$(docker run -i --rm bb sha256sum <"$T/in.bin" | cut -d' ' -f1)
if [ "$want" = "$got" ]; then ok "docker run -i: 3 MB stdin round trip (half-close)"; else not_ok "stdin checksum $got != $want"; fi

# a pseudo-terminal on the client side, as an interactive user has
tty_out=$(script -qec "$DOCKER_BIN -H unix://$DOCKER_SOCK run -it --rm bb sh -c 'tty; echo done'" /dev/null </dev/null 2>&1 | tr -d '\r')
if grep -q '/dev/pts/0$' <<<"$tty_out" && grep -q '^done$' <<<"$tty_out"; then ok "docker run -it gets a tty"
else not_ok "docker run -it printed: $tty_out"; fi

# logs -f follows a running container until it exits
cid=$(docker run -d bb sh -c 'for i in 1 2 3; do echo line$i; sleep 1; done')
logs=$(timeout 60 "$DOCKER_BIN" -H "unix://$DOCKER_SOCK" logs -f "$cid" 2>&1 | tr '\n' ' ')
if [ "$logs" = "line1 line2 line3 " ]; then ok "docker logs -f streams until exit"; else not_ok "logs -f gave: $logs"; fi
# attach to a running container sees its output
cid2=$(docker run -d bb sh -c 'sleep 2; echo attached-output')
att=$(timeout 60 "$DOCKER_BIN" -H "unix://$DOCKER_SOCK" attach "$cid2" 2>&1)
if [ "$att" = attached-output ]; then ok "docker attach"; else not_ok "attach gave: $att"; fi
docker rm -f "$cid" "$cid2" >/dev/null 2>&1

# 16 concurrent docker calls over one virtio-serial port
pids=()
for i in $(seq 1 16); do
        case $((i % 4)) in
        0) docker run --rm bb echo "c$i" >"$T/c$i" 2>&1 & ;;
        1) docker version --format '{{.Server.Version}}' >"$T/c$i" 2>&1 & ;;
        2) docker images -q bb >"$T/c$i" 2>&1 & ;;
        3) docker ps -a -q >"$T/c$i" 2>&1 & ;;
        esac
        pids+=($!)
done
bad=0
for i in $(seq 1 16); do wait "${pids[$((i - 1))]}" || bad=$((bad + 1)); done
for i in 4 8 12 16; do [ "$(cat "$T/c$i")" = "c$i" ] || bad=$((bad + 1)); done
if [ "$bad" -eq 0 ]; then ok "16 concurrent docker calls"; else not_ok "$bad of 16 concurrent calls failed"; fi

# 50 MB through docker load and docker cp, checksummed end to end
mkdir -p "$T/big" && tar -xf "$BB_TAR" -C "$T/big"
head -c 52428800 /dev/urandom >"$T/big/blob"
want=$(sha256sum <"$T/big/blob" | cut -d' ' -f1)
tar -C "$T/big" -cf "$T/big.tar" .
check "docker import of a 50 MB image" docker import "$T/big.tar" big
check "docker save of it" docker save -o "$T/big-saved.tar" big
check "docker rmi" docker rmi big
check "docker load of the 50 MB archive" docker load -q -i "$T/big-saved.tar"
got=$(docker run --rm big sha256sum /blob | cut -d' ' -f1)
if [ "$want" = "$got" ]; then ok "50 MB blob intact after import/save/load"; else not_ok "blob checksum $got != $want"; fi
cid=$(docker create big true)
check "docker cp 50 MB out of a container" docker cp "$cid:/blob" "$T/blob.out"
got=$(sha256sum <"$T/blob.out" | cut -d' ' -f1)
if [ "$want" = "$got" ]; then ok "docker cp round trip checksum"; else not_ok "cp checksum $got != $want"; fi
check "docker cp 50 MB into a container" docker cp "$T/big/blob" "$cid:/blob2"
docker rm "$cid" >/dev/null

# down then up: the data disk keeps images
bb_id=$(docker images -q bb 2>"$T/images.err")
[[ $bb_id =~ ^[0-9a-f]{12}$ ]] || not_ok "docker images -q bb before down: '$bb_id' $(cat "$T/images.err")"
check "ecivm down powers off cleanly" "$ECIVM" down
check "ecivm status after down says stopped (exit 3)" sh -c '"$0" status; [ $? -eq 3 ]' "$ECIVM"
check "docker socket is gone after down" test ! -e "$DOCKER_SOCK"
grep -q "powered off" "$ECIVM_STATE_DIR/ecivmd.log" && ok "guest powered itself off (no kill)" ||
        not_ok "no clean power-off in ecivmd.log"
check "ecivm up again (TCG cached or KVM cached: no second probe)" "$ECIVM" up
after_id=$(docker images -q bb 2>"$T/images.err")
[ -n "$bb_id" ] && [ "$after_id" = "$bb_id" ] && ok "imported image survived down/up ($bb_id)" ||
        not_ok "image bb after down/up: '$after_id' (before: '$bb_id') $(cat "$T/images.err")"
hi=$(docker run --rm bb echo again 2>&1)
[ "$hi" = again ] && ok "container runs after restart" || not_ok "after restart: $hi"
check "ecivm down" "$ECIVM" down
finish
