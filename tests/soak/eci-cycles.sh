#!/bin/bash
# Soak (b): SOAK_CYCLES (1000) create/start/rm cycles through the ECI
# runtime (ecivm-runc), SOAK_CONCURRENCY (4) at a time, none started after
# SOAK_MAX_SECONDS (unbounded by default): 0 failures, and the
# user-ID range allocator's file /data/ecivm-runc/ranges is consistent with
# no range left "used" once every container is gone.  The file is read by a
# privileged container of the real runc (runtime "plain-runc", only in the
# test image images/out-test), which ecivm-runc never sees.  One VM boot.
. "$(dirname "$0")/../integration/lib.sh"
export ECIVM_IMAGE_DIR="${ECIVM_IMAGE_DIR_TEST:-$top_builddir/images/out-test}"
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
require_image
vm_lock
"$ECIVM" up --accel=tcg >"$T/up" 2>&1 || { sed 's/^/# /' "$T/up"; bail "ecivm up failed"; }
dpid=$("$ECIVM" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"]["pid"])')
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"
ranges() { docker run --rm --runtime=plain-runc -v /data/ecivm-runc:/r:ro bb cat /r/ranges; }
# check_ranges FILE: the allocator's own rules (idalloc.c parse()) and the
# number of ranges still "used"
check_ranges() {
        python3 - "$1" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[0].startswith("ecivm-runc-ranges 1 "), "bad header: %r" % lines[0]
assert lines[-1] == "", "truncated"
first, size = map(int, lines[0].split()[2:4])
seen, used_ids = set(), set()
used = free = 0
for n, line in enumerate(lines[1:-1], 2):
    f = line.split(" ")
    assert len(f) == 5, "line %d: %d fields" % (n, len(f))
    assert f[1] in ("used", "free"), "line %d: state %s" % (n, f[1])
    assert f[0] not in seen, "line %d: range %s listed twice" % (n, f[0])
    seen.add(f[0])
    if f[1] == "used":
        assert f[2] not in used_ids, "line %d: %s holds two ranges" % (n, f[2])
        used_ids.add(f[2])
        used += 1
    else:
        free += 1
print("ranges: first %d, size %d, %d listed, %d used, %d free" % (first, size, len(seen), used, free))
PY
}
docker run --rm bb true >/dev/null 2>&1 # the allocator's file exists once a container ran
ranges >"$T/ranges0" 2>&1 || { sed 's/^/# /' "$T/ranges0"; bail "cannot read the ranges file"; }
r0=$(check_ranges "$T/ranges0") && ok "ranges file before: $r0" || { not_ok "ranges file before: $r0"; }
fd0=$(ls /proc/"$dpid"/fd | wc -l)
# progress is printed as it comes (every 100 cycles)
python3 "$top_srcdir/tests/soak/eci-cycles.py" "$DOCKER_SOCK" "${SOAK_CYCLES:-1000}" "${SOAK_CONCURRENCY:-4}" \
        "${SOAK_MAX_SECONDS:-0}" 2>&1 |
        sed -u 's/^/# /'
if [ "${PIPESTATUS[0]}" -eq 0 ]; then
        ok "${SOAK_CYCLES:-1000} cycles${SOAK_MAX_SECONDS:+ or as many as ${SOAK_MAX_SECONDS} s allowed (the count is above)}: 0 failures"
else
        not_ok "cycles had failures"
fi
left=$(docker ps -aq | wc -l)
[ "$left" -eq 0 ] && ok "no container left" || not_ok "$left containers left"
ranges >"$T/ranges1" 2>&1 || { sed 's/^/# /' "$T/ranges1"; bail "cannot read the ranges file"; }
r1=$(check_ranges "$T/ranges1") && ok "ranges file after is consistent: $r1" || not_ok "ranges file after: $r1"
used=$(sed -n 's/.*, \([0-9]*\) used,.*/\1/p' <<<"$r1")
[ "$used" = 0 ] && ok "0 ID ranges leaked" || { not_ok "$used ranges still used"; grep ' used ' "$T/ranges1" | head -5 | sed 's/^/# /'; }
fd1=$(ls /proc/"$dpid"/fd | wc -l)
diag "ecivmd fds before $fd0 after $fd1, RSS $(sed -n 's/VmRSS:\s*//p' /proc/"$dpid"/status)"
check "ecivm down" "$ECIVM" down
finish
