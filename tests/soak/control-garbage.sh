#!/bin/bash
# Soak (c): 100 clients of ecivmd's service socket connect, send garbage and
# disconnect mid-frame, 10 rounds, while the VM runs: the VM stays ready (and
# still runs a container), ecivmd keeps its fd count.  One VM boot.
. "$(dirname "$0")/../integration/lib.sh"
require_image
vm_lock
"$ECIVM" up --accel=tcg >"$T/up" 2>&1 || { sed 's/^/# /' "$T/up"; bail "ecivm up failed"; }
dpid=$("$ECIVM" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"]["pid"])')
if python3 "$top_srcdir/tests/soak/control-garbage.py" "$ECIVM_RUN_DIR/ecivmd.sock" "$dpid" \
        "${SOAK_CLIENTS:-100}" "${SOAK_ROUNDS:-10}" >"$T/report" 2>&1; then
        ok "garbage clients: VM ready, no fd leak, the daemon still answers"
else
        not_ok "garbage clients"
fi
sed 's/^/# /' "$T/report"
check "ecivmd is still the same process" kill -0 "$dpid"
check "docker import after the garbage" docker import "$BB_TAR" bb
check "docker run after the garbage" docker run --rm bb true
check "ecivm down" "$ECIVM" down
finish
