#!/bin/bash
# The other half of the escape battery: on the test image (images/out-test,
# never the image users boot), every attempt of eci-lib.sh works under the
# real runc (runtime "plain-runc"), so no check of eci-runc.sh passes
# vacuously.  The attempts are made from inside the VM (a container holding
# the engine socket), so the host socket's API filter does not see them,
# and each is also made under ecivm-runc there: the runtime alone refuses
# or confines it.
. "$(dirname "$0")/lib.sh"
export ECIVM_IMAGE_DIR="$top_builddir/images/out-test"
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
. "$(dirname "$0")/eci-lib.sh"
require_image
vm_lock

# the driver image may hold the engine socket (the host socket's filter)
admin_settings <<'JSON'
{"configurationFileVersion": 2,
 "enhancedContainerIsolation": {"locked": true, "value": true,
   "dockerSocketMount": {"imageList": {"images": ["ecidriver:*"], "allowDerivedImages": false}}}}
JSON

up_out=$("$ECIVM" up --accel=tcg 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
ok "ecivm up (test image)"
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
make_probe_image || bail "probe image"
start_driver || bail "driver container"
vol=$(make_attempt_volumes) || bail "volumes: $vol"
# attempts the VM closes for everyone after boot (ecivm-init's hardening
# sysctls, attested and shown by security-report): "probe sysctl"
vm_closed() {
        case $1 in
        insmod) echo "finit_module modules_disabled" ;;
        kexec) echo "kexec_file_load kexec_load_disabled" ;;
        esac
}
for e in "${ATTEMPTS[@]}"; do
        name=${e%%|*}
        run_attempt plain-runc "$e"
        closed=$(vm_closed "$name")
        if [ -n "$closed" ]; then
                # ecivm-init closes these for every process of the VM after boot:
                # plain runc must get EPERM too, and the sysctl must read 1
                probe=$(indocker run --rm --runtime=plain-runc --privileged eciprobe sh -c \
                        "sysprobe ${closed%% *}; cat /proc/sys/kernel/${closed#* }" 2>&1 | tr '\n' ' ')
                if ! grep -q ESCAPED <<<"$out" && [[ $probe == "${closed%% *} EPERM 1 " ]]; then
                        ok "escape $name: closed for every runtime, plain runc included (${closed#* }=1: $probe)"
                else not_ok "escape $name under plain runc: $probe $out"; fi
        elif grep -q ESCAPED <<<"$out"; then ok "escape $name works under plain runc"
        else not_ok "escape $name does not work under plain runc (the ECI check would be vacuous)"; diag "$out"; fi
        # the same request from inside the VM, past the host socket's
        # filter: ecivm-runc alone must refuse or confine it
        run_attempt "" "$e"
        judge_confined "$name" " by ecivm-runc alone"
        if [[ $out != *RAN* && $out == *ecivm:* && $out != *"OCI runtime create failed"* ]]; then
                not_ok "escape $name: the refusal did not come from the runtime"; diag "$out"
        fi
done

# builds from inside the VM (no host socket filter): ecivm-runc refuses a
# build step in the VM's network namespace, classic builder and BuildKit
for bk in 0 1; do
        out=$(docker exec "$DRIVER" sh -c "mkdir -p /ctx && printf 'FROM bb\nRUN true\n' >/ctx/Dockerfile &&
                DOCKER_BUILDKIT=$bk docker -H unix:///run/docker.sock build --network=host /ctx" 2>&1)
        [[ $out == *"ecivm: --network=host is not allowed"* ]] &&
                ok "DOCKER_BUILDKIT=$bk build --network=host from inside the VM: refused by ecivm-runc" ||
                { not_ok "DOCKER_BUILDKIT=$bk build --network=host from inside the VM"; diag "$(tail -5 <<<"$out")"; }
done

# the VM's own /proc, against which eci-runc.sh's emulated views are checked
views=$(proc_views plain-runc)
diag "$(tr '\n' ' ' <<<"$views")"
[ "$(view memtotal_kb)" != 65536 ] && [ -n "$(view memtotal_kb)" ] && ok "VM meminfo is not the limit's" ||
        not_ok "VM MemTotal $(view memtotal_kb)"
[ "$(view cpuinfo_cpus)" -ge 2 ] 2>/dev/null && ok "VM cpuinfo: $(view cpuinfo_cpus) CPUs" || not_ok "VM cpuinfo"
[ "$(view stat_cpus)" -ge 2 ] 2>/dev/null && ok "VM stat: $(view stat_cpus) CPUs" || not_ok "VM stat"
[ "$(view uptime_s)" -ge 10 ] 2>/dev/null && ok "VM uptime $(view uptime_s) s" || not_ok "VM uptime $(view uptime_s)"
[ "$(view loadavg_tasks)" -ge 10 ] 2>/dev/null && ok "VM loadavg tasks $(view loadavg_tasks)" || not_ok "VM loadavg"
[ "$(view diskstats_vda_reads)" -ge 100 ] 2>/dev/null && ok "VM diskstats: $(view diskstats_vda_reads) reads of vda" ||
        not_ok "VM diskstats vda reads $(view diskstats_vda_reads)"
w=$(view diskstats_vdb_written)
[ "$w" -ge 12288 ] 2>/dev/null && ok "VM diskstats: $w sectors written to the data disk (the VM's, not one container's)" ||
        not_ok "VM diskstats vdb sectors written: $w"
! grep -q -e lxcfs_ -e procfs_ <<<"$views" && ok "plain runc binds no lxcfs or ecivm-procfs files" ||
        not_ok "plain runc has emulated /proc files"
# the VM's services go after any container when memory runs out
# shellcheck disable=SC2016  # expanded in the container
o=$(indocker run --rm --runtime=plain-runc --pid=host bb sh -c 'for p in /proc/[0-9]*; do
        case $(cat $p/comm 2>/dev/null) in containerd|dockerd|ecivm-agent|lxcfs|ecivm-procfs)
                echo "$(cat $p/comm)=$(cat $p/oom_score_adj)" ;; esac; done | sort -u' 2>&1 | tr '\n' ' ')
[ "$o" = "containerd=-999 dockerd=-999 ecivm-agent=-999 ecivm-procfs=-999 lxcfs=-999 " ] &&
        ok "the VM's services have oom_score_adj -999 ($o)" || not_ok "services' oom_score_adj: $o"
# Issue 14's first reproduction with only the runtime out of the way (plain
# runc plants the symlink): dockerd's mount over the runc lands in dockerd's
# own mount namespace, so the next container start runs the real runc.
plant_runc_overmount plain-runc || bail "reproduction setup"
[[ $plant == *PLANTED* ]] && ok "under plain runc a volume of the volumes dir plants a symlink at another volume's _data" ||
        not_ok "planting under plain runc: $plant"
vm_runc_views() {
        indocker run --rm --runtime=plain-runc --pid=host --privileged -v ecipwn:/pwn bb sh -c '
                for c in dockerd containerd; do
                        p=$(for q in /proc/[0-9]*; do [ "$(cat $q/comm 2>/dev/null)" = $c ] && echo ${q#/proc/}; done | head -1)
                        cmp -s /proc/$p/root/usr/libexec/ecivm/runc /pwn/payload && echo "$c:payload" || echo "$c:runc"
                done' 2>&1 | tr '\n' ' '
}
views=$(vm_runc_views)
[ "$views" = "dockerd:payload containerd:runc " ] &&
        ok "dockerd's bind of the payload over the runc stays in dockerd's mount namespace ($views)" ||
        not_ok "the payload over the runc: $views (overmount run: $overmount)"
out=$(indocker run --rm bb echo started 2>&1)
pwned=$(indocker run --rm --runtime=plain-runc -v ecipwn:/pwn bb cat /pwn/PWNED 2>&1)
[ "$out" = started ] && [[ $pwned == *"No such file"* ]] &&
        ok "the next container starts with the real runc; the payload never ran" ||
        not_ok "after the overmount: start said '$out', PWNED: $pwned"
# the same planting under ecivm-runc alone is refused by its mount allow-list
indocker rm -f ecivictim >/dev/null 2>&1
indocker volume rm -f ecivvols ecivrunc ecipwn >/dev/null 2>&1
plant_runc_overmount "" || bail "reproduction setup (ecivm-runc)"
want="ecivm: mounting /var/lib/docker/volumes/ecivvols/_data is not allowed: a volume's data must be a directory"
[[ $plant == *"$want"* ]] && ok "ecivm-runc alone refuses the volume of the volumes dir (${want#ecivm: })" ||
        not_ok "planting under ecivm-runc: $plant"
# A volume's _data swapped with a symlink to a VM directory, as fast as a
# plain-runc container holding the volumes dir can, while ecivm-runc starts
# containers on that volume: each start mounts the real directory or is
# refused naming the rule; none ever mounts the VM's directory.
indocker volume create ecirace >/dev/null
indocker run --rm --runtime=plain-runc -v ecirace:/r bb sh -c 'echo real >/r/marker' >/dev/null
indocker run -d --name eciswap --runtime=plain-runc -v ecivvols:/vv bb sh -c 'cd /vv/ecirace &&
        ln -s /usr/libexec/ecivm link && end=$(($(date +%s) + 240)) &&
        while [ "$(date +%s)" -lt "$end" ]; do mv _data real_; mv link _data; mv _data link; mv real_ _data; done' >/dev/null
plain_leaked=0
for i in $(seq 1 8); do
        o=$(indocker run --rm --runtime=plain-runc -v ecirace:/r bb sh -c 'cat /r/marker 2>/dev/null || ls /r' 2>&1)
        case $o in *ecivm-agent* | *runc*) plain_leaked=$((plain_leaked + 1)) ;; esac
done
[ "$plain_leaked" -ge 1 ] && ok "under plain runc $plain_leaked of 8 starts during the swaps mounted the VM's /usr/libexec/ecivm" ||
        not_ok "the swap race never reached the VM's directory under plain runc (the check below would be vacuous)"
real=0 refused=0 other=0 leaked=0
for i in $(seq 1 12); do
        o=$(indocker run --rm -v ecirace:/r bb sh -c 'cat /r/marker 2>/dev/null || ls /r' 2>&1)
        case $o in
        *ecivm-agent* | *runc*) leaked=$((leaked + 1)); diag "start $i mounted the VM's directory: $o" ;;
        real) real=$((real + 1)) ;;
        *"ecivm: mounting /var/lib/docker/volumes/ecirace/_data is not allowed: "*) refused=$((refused + 1)) ;;
        *) other=$((other + 1)); diag "start $i: $o" ;;
        esac
done
indocker rm -f eciswap >/dev/null 2>&1
[ "$leaked" = 0 ] && [ "$real" -ge 1 ] && [ "$refused" -ge 1 ] &&
        ok "12 starts during _data swaps: $real mounted the volume, $refused refused by the rule, $other failed in dockerd, 0 mounted the VM's directory" ||
        not_ok "starts during _data swaps: real $real refused $refused other $other leaked $leaked"
docker rm -f "$DRIVER" >/dev/null # its sleep ignores SIGTERM: dockerd's shutdown would wait for it
finish
