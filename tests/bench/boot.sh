#!/bin/bash
# Boot time.  (a) Raw QEMU with the image's own kernel, ecivm's TCG flags and
# kernel command line, and a trivial static /init that prints a marker on the
# serial console and powers off: exec to marker.  (b) `ecivm up --accel=tcg`
# to dockerd ready (wall clock of the command, which also starts ecivmd),
# with the daemon's bootSeconds breakdown.  One warm-up boot of each first
# (ecivm's creates the data disk), then BENCH_ROUNDS rounds alternating.
# The guest's phases (ecivm-init's console lines) are printed too.
# Prints figures and the ratio of medians against the target; exits 0 on a
# miss, non-zero only if something failed to run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARGET=2.5
MARKER='ecivm-bench: init reached'
RAW_PID=
RESULT=
STEPS=

build_baseline() {
        local d=$T/baseline-rd
        mkdir -p "$d/dev"
        cp "$(bench_prog boot-init)" "$d/init"
        make_initramfs "$d" "$T/baseline.img"
}

marker_seen() { grep -q "$MARKER" "$1" 2>/dev/null; }

raw_boot() {
        local log=$T/raw-console.log t0 t1
        rm -f "$log"
        t0=$(now)
        "$QEMU" "${QEMU_TCG[@]}" -kernel "$IMAGES/vmlinuz" -initrd "$T/baseline.img" -append "$CMDLINE" \
                -chardev "file,id=con,path=$log" -serial chardev:con </dev/null >"$T/raw-qemu.log" 2>&1 &
        RAW_PID=$!
        wait_for 120 marker_seen "$log" || { cat "$T/raw-qemu.log" >&2; die "raw boot: no marker in 120 s ($log)"; }
        t1=$(now)
        kill_wait "$RAW_PID" 30
        RAW_PID=
        RESULT=$(elapsed "$t0" "$t1")
}

ecivm_boot() {
        local t0 t1 s=$T/status.json
        t0=$(now)
        timeout 900 "$ECIVM" up --accel=tcg >"$T/up.out" 2>&1 9>&- || { cat "$T/up.out" >&2; die "ecivm up failed"; }
        t1=$(now)
        RESULT=$(elapsed "$t0" "$t1")
        "$ECIVM" status --json >"$s" 9>&-
        STEPS=$(printf '%.3f %.3f %.3f' "$(json_num measure "$s")" "$(json_num toInit "$s")" "$(json_num toReady "$s")")
        timeout 300 "$ECIVM" down >"$T/down.out" 2>&1 9>&- || { cat "$T/down.out" >&2; die "ecivm down failed"; }
}

# The guest's own timeline: ecivm-init's "PHASE at N ms" console lines
# (guest monotonic clock, from kernel start), appended as "PHASE|ms".
guest_phases() {
        sed -n 's/^ecivm-init: \([a-z][a-z -]*\) at \([0-9]*\) ms.*/\1|\2/p' "$ECIVM_STATE_DIR/console.log" \
                >>"$T/phases" 2>/dev/null || true
}

print_phases() {
        local phase
        [ -s "$T/phases" ] || return 0
        while read -r phase; do
                print_stats "  guest: $phase" s $(awk -F'|' -v p="$phase" '$1 == p { print $2 / 1000 }' "$T/phases")
        done < <(cut -d'|' -f1 "$T/phases" | awk '!seen[$0]++')
}

print_stats() { # LABEL UNIT V...
        local label=$1 unit=$2 st
        shift 2
        st=($(stats "$@"))
        printf 'boot: %-36s median %8.3f %s  min %8.3f  max %8.3f  (N=%d)\n' "$label" "${st[0]}" "$unit" "${st[1]}" \
                "${st[2]}" "$#"
}

bench_lock
snapshot_images
CMDLINE=$(manifest_cmdline)
ecivm_env
on_exit 'kill_wait "$RAW_PID" 0'
on_exit ecivm_cleanup
build_baseline

say "# kernel $(sed -n 's/^KERNEL_RELEASE=//p' "$IMAGES/build-info.env"), cmdline: $CMDLINE"
say "# qemu ${QEMU_TCG[*]}"
raw_boot
say "# warm-up: raw $RESULT s"
ecivm_boot
say "# warm-up: ecivm first boot (creates the data disk) $RESULT s, bootSeconds measure/toInit/toReady: $STEPS"

raw=() eci=() measure=() to_init=() to_ready=()
for ((i = 1; i <= BENCH_ROUNDS; i++)); do
        if ((i % 2)); then order="raw ecivm"; else order="ecivm raw"; fi
        for what in $order; do
                if [ "$what" = raw ]; then
                        raw_boot
                        raw+=("$RESULT")
                else
                        ecivm_boot
                        guest_phases
                        eci+=("$RESULT")
                        read -r a b c <<<"$STEPS"
                        measure+=("$a") to_init+=("$b") to_ready+=("$c")
                fi
        done
        say "# round $i: raw ${raw[-1]} s, ecivm ${eci[-1]} s (bootSeconds measure ${measure[-1]}, toInit ${to_init[-1]}, toReady ${to_ready[-1]})"
done

print_stats "raw QEMU, trivial init (exec->marker)" s "${raw[@]}"
print_stats "ecivm up to dockerd ready (wall)" s "${eci[@]}"
print_stats "  bootSeconds.measure" s "${measure[@]}"
print_stats "  bootSeconds.toInit" s "${to_init[@]}"
print_stats "  bootSeconds.toReady" s "${to_ready[@]}"
print_phases
r=$(ratio "$(median "${eci[@]}")" "$(median "${raw[@]}")")
verdict=$(awk -v r="$r" -v t="$TARGET" 'BEGIN { print (r <= t) ? "PASS" : "MISS" }')
say "boot: ratio of medians ecivm/raw ${r}x (target <= ${TARGET}x): $verdict"
