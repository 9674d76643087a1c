#!/bin/bash
# The other half of the escape battery: on the test image (images/out-test,
# never the image users boot), every attempt of eci-lib.sh works under the
# real runc (runtime "plain-runc"), so no check of eci-runc.sh passes
# vacuously.
. "$(dirname "$0")/lib.sh"
export ECIVM_IMAGE_DIR="$top_builddir/images/out-test"
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
. "$(dirname "$0")/eci-lib.sh"
require_image
vm_lock

up_out=$("$ECIVM" up --accel=tcg 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
ok "ecivm up (test image)"
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
make_probe_image || bail "probe image"
make_attempt_volumes || bail "volumes"
for e in "${ATTEMPTS[@]}"; do
        name=${e%%|*}
        run_attempt plain-runc "$e"
        if grep -q ESCAPED <<<"$out"; then ok "escape $name works under plain runc"
        else not_ok "escape $name does not work under plain runc (the ECI check would be vacuous)"; diag "$out"; fi
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
[ "$(view diskstats_vda)" -ge 1 ] 2>/dev/null && ok "VM diskstats has vda" || not_ok "VM diskstats"
! grep -q lxcfs_ <<<"$views" && ok "plain runc binds no lxcfs files" || not_ok "plain runc has lxcfs files"
finish
