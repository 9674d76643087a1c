# Shared by the ECI integration tests (sourced after lib.sh): the probe image
# and the escape battery.  Each attempt prints ESCAPED only if it reached
# the VM; eci-runc.sh shows every one is refused or confined under ecivm-runc
# on the image users boot, eci-plain.sh that every one works under the real
# runc ("plain-runc", present only in the test image images/out-test).

# eciprobe: busybox + the static syscall probe (tests/integration/probes)
make_probe_image() {
        local d="$T/probe-img"
        mkdir -p "$d/usr/bin" || return 1
        tar -xf "$BB_TAR" -C "$d" || return 1
        ${CC:-cc} -static -O2 -o "$d/usr/bin/sysprobe" "$top_srcdir/tests/integration/probes/sysprobe.c" || return 1
        tar -C "$d" --owner=0 --group=0 -cf "$T/probe.tar" . && docker import "$T/probe.tar" eciprobe >/dev/null
}

# name | docker run options | shell command (prints ESCAPED on success)
ATTEMPTS=(
        "pid-host|--pid=host|test -d /proc/1/root/usr/libexec/ecivm && echo ESCAPED"
        "network-host|--network=host|ip link | grep -q docker0 && echo ESCAPED"
        "ipc-host|--ipc=host|true && echo ESCAPED"
        "uts-host|--uts=host|test \"\$(hostname)\" = ecivm && echo ESCAPED"
        "cgroupns-host|--cgroupns=host|grep -q '^0::/\$' /proc/1/cgroup || grep -q system.slice /proc/self/cgroup && echo ESCAPED"
        "sock-direct|-v /run/docker.sock:/s|test -S /s && echo ESCAPED"
        "sock-var-run|-v /var/run/docker.sock:/s|test -S /s && echo ESCAPED"
        "sock-parent-run|-v /run:/r|test -S /r/docker.sock && echo ESCAPED"
        "sock-parent-var-run-symlink|-v /var/run:/r|test -S /r/docker.sock && echo ESCAPED"
        "sock-containerd|-v /run/containerd:/r|test -S /r/containerd.sock && echo ESCAPED"
        "sock-root|-v /:/host|test -S /host/run/docker.sock && echo ESCAPED"
        "sock-named-volume-bind|-v ecirunvol:/r|test -S /r/docker.sock && echo ESCAPED"
        "data-root|-v /var/lib/docker:/d|test -d /d/overlay2 && echo ESCAPED"
        "remount-ro-bind-rw|--privileged -v ecirovol:/m:ro|mount -o remount,rw /m && touch /m/x && echo ESCAPED"
        "umount-ro-bind|--privileged -v ecirovol:/m:ro|umount /m && echo ESCAPED"
        "mount-cgroup-release-agent|--privileged|mkdir /c && mount -t cgroup -o none,name=x cgroup /c && test -f /c/release_agent && echo ESCAPED"
        "mount-sysfs-debug|--privileged|mount -t debugfs none /mnt && ls /mnt | grep -q . && echo ESCAPED"
        "insmod|--privileged|sysprobe finit_module | grep -qv EPERM && echo ESCAPED"
        "bpf|--privileged|sysprobe bpf | grep -q ' ok' && echo ESCAPED"
        "kexec|--privileged|sysprobe kexec_load | grep -qv EPERM && echo ESCAPED"
        "keyctl-vm-keyring|--cap-add ALL --security-opt seccomp=unconfined|sysprobe keyctl | grep -q ' ok' && echo ESCAPED"
        "read-vda|--privileged|head -c 512 /dev/vda | wc -c | grep -q 512 && echo ESCAPED"
        "vport|--privileged|ls /dev/vport* && echo ESCAPED"
        "kcore|--privileged|head -c 16 /proc/kcore | wc -c | grep -q 16 && echo ESCAPED"
        "sysrq-trigger|--privileged|echo 0 >/proc/sysrq-trigger && echo ESCAPED"
        "sysctl-vm|--privileged|echo 61 >/proc/sys/vm/swappiness && echo ESCAPED"
        "sysctl-kernel|--privileged|echo 0 >/proc/sys/kernel/kptr_restrict && echo ESCAPED"
        "nsenter-pid1|--pid=host --privileged|nsenter -t 1 -m -u -n -i true && echo ESCAPED"
        "nsenter-via-proc-bind|--privileged -v /proc:/hp|nsenter --mount=/hp/1/ns/mnt true && echo ESCAPED"
        "dev-bind-vda|-v /dev/vda:/vda|head -c 512 /vda | wc -c | grep -q 512 && echo ESCAPED"
)

# the volumes some attempts use
make_attempt_volumes() {
        docker volume create --driver local -o type=none -o o=bind -o device=/run ecirunvol >/dev/null &&
                docker volume create ecirovol >/dev/null
}

# run_attempt RUNTIME ENTRY: sets $out and $rc
run_attempt() {
        local rt=$1 entry=$2 opts cmd
        opts=$(cut -d'|' -f2 <<<"$entry")
        cmd=$(cut -d'|' -f3- <<<"$entry")
        # shellcheck disable=SC2086  # options are words on purpose
        out=$(docker run --rm ${rt:+--runtime=$rt} $opts eciprobe sh -c "$cmd" 2>&1)
        rc=$?
}
