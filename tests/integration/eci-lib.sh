# Shared by the ECI integration tests (sourced after lib.sh): the probe image
# and the escape battery.  Each attempt prints ESCAPED only if it reached
# the VM; eci-runc.sh shows every one is refused or confined under ecivm-runc
# on the image users boot, eci-plain.sh that every one works under the real
# runc ("plain-runc", present only in the test image images/out-test).

# eciprobe: busybox + the static syscall probe (tests/integration/probes);
# ecidriver: eciprobe + this host's docker CLI (Debian's, with its libraries),
# which eci-plain.sh runs inside the VM with the engine socket so requests
# reach dockerd without the host socket's API filter: only the runtime
# stands between them and the VM.
make_probe_image() {
        local d="$T/probe-img" lib
        mkdir -p "$d/usr/bin" || return 1
        tar -xf "$BB_TAR" -C "$d" || return 1
        ${CC:-cc} -static -O2 -o "$d/usr/bin/sysprobe" "$top_srcdir/tests/integration/probes/sysprobe.c" || return 1
        tar -C "$d" --owner=0 --group=0 -cf "$T/probe.tar" . && docker import "$T/probe.tar" eciprobe >/dev/null || return 1
        cp "$DOCKER_BIN" "$d/usr/bin/docker" || return 1
        for lib in $(ldd "$DOCKER_BIN" | grep -o '/[^ ]*'); do
                mkdir -p "$d$(dirname "$lib")" && cp -L "$lib" "$d$lib" || return 1
        done
        tar -C "$d" --owner=0 --group=0 -cf "$T/driver.tar" . && docker import "$T/driver.tar" ecidriver >/dev/null
}

# start_driver: the driver container (plain runc, the engine socket) as
# $DRIVER; run_attempt and indocker then go through it
start_driver() {
        docker run -d --name ecidriver --runtime=plain-runc -v /run/docker.sock:/run/docker.sock ecidriver \
                sleep 3600 >/dev/null && DRIVER=ecidriver
}
indocker() {
        if [ -n "${DRIVER:-}" ]; then docker exec "$DRIVER" docker -H unix:///run/docker.sock "$@"; else docker "$@"; fi
}

# name | docker run options | shell command (prints ESCAPED on success)
# Attempts on masked or read-only /proc files first try to unmount the
# mask (runc makes those mounts inside the container's namespaces), and
# check the effect, not just that a write returned (a mask is /dev/null).
# kexec_load itself is refused by the VM's lockdown for everyone, so the
# kexec attempt unloads (a no-op) through kexec_file_load, which only needs
# CAP_SYS_BOOT.  A named cgroup v1 hierarchy (release_agent) can only be
# mounted from the VM's cgroup namespace.
# The VM's initial namespaces have fixed inode numbers (ipc 4026531839, uts
# 4026531838, cgroup 4026531835): a container reading one of them shares
# that namespace with the VM.
ATTEMPTS=(
        "pid-host|--pid=host|cat /proc/[0-9]*/comm 2>/dev/null | grep -qx dockerd && echo ESCAPED"
        "network-host|--network=host|grep -q docker0: /proc/net/dev && echo ESCAPED"
        "ipc-host|--ipc=host|readlink /proc/self/ns/ipc | grep -q 4026531839 && echo ESCAPED"
        "uts-host|--uts=host|readlink /proc/self/ns/uts | grep -q 4026531838 && test \"\$(hostname)\" = ecivm && echo ESCAPED"
        "cgroupns-host|--cgroupns=host|readlink /proc/self/ns/cgroup | grep -q 4026531835 && grep -q '^0::/docker/' /proc/self/cgroup && echo ESCAPED"
        "userns-host|--userns=host|grep -Eq '^ +0 +0 +4294967295' /proc/self/uid_map && echo ESCAPED"
        "sock-direct|-v /run/docker.sock:/s|test -S /s && echo ESCAPED"
        "sock-var-run|-v /var/run/docker.sock:/s|test -S /s && echo ESCAPED"
        "sock-parent-run|-v /run:/r|test -S /r/docker.sock && echo ESCAPED"
        "sock-parent-var-run-symlink|-v /var/run:/r|test -S /r/docker.sock && echo ESCAPED"
        "sock-containerd|-v /run/containerd:/r|test -S /r/containerd.sock && echo ESCAPED"
        "sock-root|-v /:/host|test -S /host/run/docker.sock && echo ESCAPED"
        "sock-named-volume-bind|-v ecirunvol:/r|test -S /r/docker.sock && echo ESCAPED"
        "data-root|-v /var/lib/docker:/d|test -d /d/overlay2 && echo ESCAPED"
        "image-layers|-v /var/lib/docker/overlay2:/o|ls /o/*/diff/bin/sh >/dev/null 2>&1 && echo ESCAPED"
        "remount-ro-bind-rw|--privileged -v ecirovol:/m:ro|mount -o remount,rw /m && touch /m/x && echo ESCAPED"
        "umount-ro-bind|--privileged -v ecirovol:/m:ro|umount /m && echo ESCAPED"
        "umount-ro-host-bind|--privileged -v /usr/lib:/m:ro|umount -l /m && echo ESCAPED"
        "remount-ro-bind-rw-via-rebind|--privileged -v ecirovol:/m:ro|mkdir /n && mount --bind /m /n && mount -o remount,bind,rw /n && touch /n/x && echo ESCAPED"
        "mount-cgroup-release-agent|--privileged --cgroupns=host|mkdir /c && mount -t cgroup -o none,name=x cgroup /c && test -f /c/release_agent && echo ESCAPED"
        "mount-debugfs|--privileged|mkdir /d && mount -t debugfs none /d && ls /d | grep -q . && echo ESCAPED"
        "insmod|--privileged|sysprobe finit_module | grep -v EPERM | grep -q '^finit_module ' && echo ESCAPED"
        "bpf|--privileged|sysprobe bpf | grep -q ' ok' && echo ESCAPED"
        "kexec|--privileged|sysprobe kexec_file_load | grep -q '^kexec_file_load ok' && echo ESCAPED"
        "keyctl-vm-keyring|--cap-add ALL --security-opt seccomp=unconfined|sysprobe keyctl | grep -q ' ok' && echo ESCAPED"
        "read-vda|--privileged|head -c 512 /dev/vda | wc -c | grep -q 512 && echo ESCAPED"
        "device-vda|--device /dev/vda:/vda|head -c 512 /vda | wc -c | grep -q 512 && echo ESCAPED"
        "dev-bind-vda-cgroup-rule|--device-cgroup-rule='b *:* rwm' -v /dev/vda:/vda|head -c 512 /vda | wc -c | grep -q 512 && echo ESCAPED"
        "vport|--privileged|ls /dev/vport* && echo ESCAPED"
        "kcore|--privileged|umount /proc/kcore 2>/dev/null; head -c 16 /proc/kcore | wc -c | grep -q 16 && echo ESCAPED"
        "sysrq-trigger|--privileged|umount /proc/sysrq-trigger 2>/dev/null; v=\$(awk '{print \$1 == 5 ? 6 : 5}' /proc/sys/kernel/printk); echo \$v >/proc/sysrq-trigger; awk '{print \$1}' /proc/sys/kernel/printk | grep -qx \$v && echo ESCAPED"
        "sysctl-vm|--privileged|umount /proc/sys 2>/dev/null; v=\$((\$(cat /proc/sys/vm/swappiness) == 61 ? 62 : 61)); echo \$v >/proc/sys/vm/swappiness; grep -qx \$v /proc/sys/vm/swappiness && echo ESCAPED"
        "sysctl-kernel|--privileged|umount /proc/sys 2>/dev/null; v=\$((1 - \$(cat /proc/sys/kernel/kptr_restrict) % 2)); echo \$v >/proc/sys/kernel/kptr_restrict; grep -qx \$v /proc/sys/kernel/kptr_restrict && echo ESCAPED"
        "oom-score-negative|--oom-score-adj=-1000|test \$(cat /proc/self/oom_score_adj) -lt 0 && echo ESCAPED"
        "nsenter-pid1|--pid=host --privileged|nsenter -t 1 -m -u -n -i true && echo ESCAPED"
        "nsenter-via-proc-bind|--privileged -v /proc:/hp|nsenter --mount=/hp/1/ns/mnt true && echo ESCAPED"
)

# the volumes some attempts use (the host socket's API filter refuses the
# first one: its refusal is then the output)
make_attempt_volumes() {
        indocker volume create ecirovol >/dev/null &&
                indocker volume create --driver local -o type=none -o o=bind -o device=/run ecirunvol 2>&1 >/dev/null
}

# run_attempt RUNTIME ENTRY: sets $out and $rc
run_attempt() {
        local rt=$1 entry=$2 cmd
        local -a opts
        # options are shell words (quotes allowed), from this file only
        eval "opts=($(cut -d'|' -f2 <<<"$entry"))"
        cmd=$(cut -d'|' -f3- <<<"$entry")
        # RAN: the container started (a confined attempt is not a failed start)
        out=$(indocker run --rm ${rt:+--runtime=$rt} "${opts[@]}" eciprobe sh -c "echo RAN; $cmd" 2>&1)
        rc=$?
}

# proc_views RUNTIME: what a container limited to 64 MiB and CPU 0 sees in
# the /proc files lxcfs and ecivm-procfs emulate, as "key value" lines; eci-runc.sh expects
# the container's own figures, eci-plain.sh shows the VM's are different.
proc_views() {
        local rt=$1
        # shellcheck disable=SC2016  # expanded in the container
        indocker run --rm ${rt:+--runtime=$rt} --memory 64m --cpuset-cpus 0 eciprobe sh -c '
                echo memtotal_kb $(awk "/^MemTotal:/{print \$2}" /proc/meminfo)
                echo cpuinfo_cpus $(grep -c ^processor /proc/cpuinfo)
                echo stat_cpus $(grep -c "^cpu[0-9]" /proc/stat)
                echo uptime_s $(cut -d. -f1 /proc/uptime)
                echo loadavg_tasks $(cut -d" " -f4 /proc/loadavg | cut -d/ -f2)
                echo diskstats_vda_reads $(awk "\$3 == \"vda\" {r = \$4} END {print r + 0}" /proc/diskstats)
                # 4 MiB (8192 sectors) to the data disk (vdb, under the rootfs)
                dd if=/dev/zero of=/written bs=1M count=4 conv=fsync 2>/dev/null
                echo diskstats_vdb_written $(awk "\$3 == \"vdb\" {w = \$10} END {print w + 0}" /proc/diskstats)
                echo swaps_lines $(wc -l </proc/swaps)
                for f in uptime meminfo cpuinfo stat loadavg swaps diskstats; do
                        grep -q " /proc/$f .* - fuse.lxcfs " /proc/self/mountinfo && echo lxcfs_$f
                        grep -q " /proc/$f .* - fuse.ecivm-procfs " /proc/self/mountinfo && echo procfs_$f
                done' 2>&1
}

# view KEY: a value of the last proc_views output ($views)
view() { awk -v k="$1" '$1 == k { print $2 }' <<<"$views"; }

# The rule that refuses an attempt, where one does: an ERE for the text
# after "ecivm: ", in the host socket filter's words or ecivm-runc's.  An
# attempt without an entry must start and be confined (its own check of the
# effect prints ESCAPED otherwise); any other refusal is a failure.
NS_RULE="is not allowed: containers cannot share namespaces with the VM"
BIND_RULE="is not allowed: (the engine's sockets can only be mounted into allow-listed images|it would expose|\
containers may only mount volumes|a volume's data must be a directory of its own)"
declare -A REFUSAL=(
        [pid-host]="--pid=host $NS_RULE"
        [network-host]="--network=host $NS_RULE"
        [ipc-host]="--ipc=host $NS_RULE"
        [uts-host]="--uts=host $NS_RULE"
        [cgroupns-host]="--cgroupns=host $NS_RULE"
        [userns-host]="--userns=host $NS_RULE"
        [sock-direct]="(mounting|bind mount of) /run/docker\.sock $BIND_RULE"
        [sock-var-run]="(mounting|bind mount of) /var/run/docker\.sock $BIND_RULE"
        [sock-parent-run]="(mounting|bind mount of) /run $BIND_RULE"
        [sock-parent-var-run-symlink]="(mounting|bind mount of) /var/run $BIND_RULE"
        [sock-containerd]="(mounting|bind mount of) /run/containerd $BIND_RULE"
        [sock-root]="(mounting|bind mount of) / $BIND_RULE"
        [sock-named-volume-bind]="(mounting|bind mount of) /var/lib/docker/volumes/ecirunvol/_data $BIND_RULE"
        [data-root]="(mounting|bind mount of) /var/lib/docker $BIND_RULE"
        [image-layers]="(mounting|bind mount of) /var/lib/docker/overlay2 $BIND_RULE"
        [umount-ro-host-bind]="(mounting|bind mount of) /usr/lib $BIND_RULE"
        [mount-cgroup-release-agent]="--cgroupns=host $NS_RULE"
        [device-vda]="--device is not allowed: containers cannot use the VM's devices"
        [dev-bind-vda-cgroup-rule]="--device-cgroup-rule is not allowed: containers cannot use the VM's devices|(mounting|bind mount of) /dev/vda $BIND_RULE"
        [oom-score-negative]="--oom-score-adj=-1000 is not allowed: containers cannot outlast the VM's services when memory runs out"
        [nsenter-pid1]="--pid=host $NS_RULE"
        [nsenter-via-proc-bind]="(mounting|bind mount of) /proc $BIND_RULE"
)

# judge_confined NAME VIA: one TAP line for an attempt under ecivm-runc
# ($out): refused by the attempt's own rule (REFUSAL), or started and
# confined
judge_confined() {
        local name=$1 via=$2 want=${REFUSAL[$1]:-} why
        why=$(grep -o 'ecivm: .*' <<<"$out" | head -1)
        if grep -q ESCAPED <<<"$out"; then
                not_ok "escape $name: NOT confined$via"
                diag "$out"
        elif [[ $out == *RAN* ]]; then
                ok "escape $name: confined$via"
        elif [ -n "$why" ] && [ -n "$want" ] && grep -qE -- "^ecivm: ($want)" <<<"$why"; then
                ok "escape $name: refused$via ($why)"
        elif [ -n "$why" ]; then
                not_ok "escape $name: refused$via by another rule than ${want:-none (it must start confined)}"
                diag "$out"
        else
                not_ok "escape $name: neither refused with a reason nor started$via"
                diag "$out"
        fi
}
