# Shared helpers of the bench scripts (bash, sourced after set -euo pipefail).
# Each script gets a temp dir with a snapshot of the guest image (so a
# concurrent `make images` cannot change it under a run), the VM lock the
# integration tests use, and cleanup of every VM it started.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_LOCK=/tmp/ecivm-vm-tests.lock
BENCH_LOCK_WAIT=${BENCH_LOCK_WAIT:-3600}
IMAGE_SRC=${ECIVM_IMAGE_DIR:-$top_builddir/images/out}
ECIVM="$top_builddir/vmm/ecivm"
DOCKER_BIN=/usr/bin/docker # Debian's docker.io client, not any other docker
QEMU=${QEMU:-qemu-system-x86_64}
# ecivm's TCG flags (vmm/qemu-argv.c), so the baselines boot the same machine;
# BENCH_CPU=max gives the guest ERMS/FSRM back, as ecivm had them before
BENCH_CPU=${BENCH_CPU:-max,-erms,-fsrm}
QEMU_TCG=(-accel tcg -cpu "$BENCH_CPU" -M pc -smp 2 -m 1536 -nodefaults -no-user-config -display none -vga none -no-reboot)

T=$(mktemp -d /tmp/ecivm-bench.XXXXXX)
IMAGES=$T/images
CLEANUPS=()

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }
now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }

on_exit() { CLEANUPS+=("$*"); }
run_cleanups() {
        local i
        for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" || true; done
        if [ -n "${KEEP:-}" ]; then say "# kept $T"; else rm -rf "$T"; fi
}
trap run_cleanups EXIT
trap 'exit 130' INT TERM

# BENCH_LOCK_HELD=1: the caller holds the lock for us (several runs in a row).
bench_lock() {
        [ -z "${BENCH_LOCK_HELD:-}" ] || return 0
        exec 9>"$BENCH_LOCK"
        say "# waiting for the VM lock $BENCH_LOCK"
        flock -w "$BENCH_LOCK_WAIT" 9 || die "VM lock not free after $BENCH_LOCK_WAIT s"
}

# Programs built by make (tests/bench/local.mk); built here if missing.
bench_prog() {
        local p=$top_builddir/tests/bench/$1
        if [ ! -x "$p" ]; then make -s -C "$top_builddir" "tests/bench/$1" >&2 || die "cannot build tests/bench/$1"; fi
        printf '%s\n' "$p"
}

manifest_sha() { # ARTIFACT(kernel|initrd|root): empty if it has none (a verity root)
        sed -n "/\"$1\" : {/,/}/s/.*\"sha256\" : \"\([0-9a-f]*\)\".*/\1/p" "$IMAGES/manifest.json"
}

# Hard links when possible: images/build.sh replaces files by rename, so the
# linked inodes keep their content.
snapshot_images() {
        local f art want
        [ -f "$IMAGE_SRC/manifest.json" ] || die "no guest image in $IMAGE_SRC: run make images"
        mkdir -p "$IMAGES"
        for f in "$IMAGE_SRC"/*; do
                [ -f "$f" ] || continue
                ln "$f" "$IMAGES/" 2>/dev/null || cp "$f" "$IMAGES/"
        done
        for art in kernel:vmlinuz initrd:initrd.img root:root.erofs; do
                want=$(manifest_sha "${art%%:*}")
                [ -z "$want" ] || [ "$(sha256sum <"$IMAGES/${art#*:}" | cut -d' ' -f1)" = "$want" ] ||
                        die "$IMAGE_SRC/${art#*:} does not match manifest.json (is make images running?)"
        done
}

manifest_cmdline() {
        sed -n 's/^ *"cmdline" : "\(.*\)",*$/\1/p' "$IMAGES/manifest.json"
}

# newc cpio of DIR, root-owned, gzip'ed into OUT.
make_initramfs() {
        (cd "$1" && find . -mindepth 1 -printf '%P\n' | sort | cpio -o --quiet -H newc -R 0:0) | gzip -1 >"$2"
}

# images/build.sh writes a small hand-made archive (/dev, /dev/console) and
# then cpio's archive of the files; unpack the second into DIR.
unpack_initrd() {
        local raw=$T/initrd.cpio first next
        zcat "$IMAGES/initrd.img" >"$raw"
        first=$(grep -obUa 'TRAILER!!!' "$raw" | head -1 | cut -d: -f1)
        [ -n "$first" ] || die "initrd.img: no cpio trailer"
        next=$(tail -c +"$((first + 1))" "$raw" | grep -obUa '070701' | head -1 | cut -d: -f1)
        [ -n "$next" ] || die "initrd.img: no second cpio archive"
        mkdir -p "$1"
        tail -c +"$((first + next + 1))" "$raw" | (cd "$1" && cpio -idm --quiet --no-absolute-filenames)
        [ -f "$1/etc/ecivm/modules" ] || die "initrd.img: no /etc/ecivm/modules"
        rm -f "$raw"
}

# wait_for SECONDS COMMAND...: polls every 10 ms; 1 on timeout.
wait_for() {
        local deadline
        deadline=$(awk -v n="$EPOCHREALTIME" -v s="$1" 'BEGIN { printf "%.3f", n + s }')
        shift
        until "$@"; do
                awk -v n="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(n > d) }' && return 1
                sleep 0.01
        done
}

alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }
gone() { ! alive "$1"; }

# kill_wait PID SECONDS: gives our child PID SECONDS to exit, then TERM, then KILL.
kill_wait() {
        local pid=$1 s=$2
        [ -n "$pid" ] || return 0
        wait_for "$s" gone "$pid" || kill "$pid" 2>/dev/null || true
        wait_for 5 gone "$pid" || kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
}

# stats V...: "median min max" (median of an even count: mean of the middle two).
stats() {
        printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
                m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}
median() { stats "$@" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b ? a / b : 0 }'; }

# ---- ecivm ----
# The VM of this run: own run and state dirs, the image snapshot.  ecivm is
# always run with the lock fd closed, so an ecivmd it starts cannot hold the
# lock past this script.
# ecivm_env [ADMIN-SETTINGS-MEMBERS]: the admin settings file is this run's
# own (by default empty: ecivmd's defaults), never the host's.
ecivm_env() {
        [ -x "$ECIVM" ] && [ -x "$top_builddir/vmm/ecivmd" ] || die "build ecivm first (make)"
        export ECIVM_IMAGE_DIR=$IMAGES ECIVM_RUN_DIR=$T/run ECIVM_STATE_DIR=$T/state ECIVMD=$top_builddir/vmm/ecivmd
        export ECIVM_ADMIN_SETTINGS=$T/admin-settings.json
        printf '{"configurationFileVersion": 2%s}\n' "${1:+, $1}" >"$ECIVM_ADMIN_SETTINGS"
        DOCKER_SOCK=$ECIVM_RUN_DIR/docker.sock
}

json_num() { # KEY FILE: the first numeric member KEY
        sed -n "s/.*\"$1\" : \([0-9.e+-]*\).*/\1/p" "$2" | head -1
}

ecivm_cleanup() {
        local pid
        pid=$("$ECIVM" status --json 2>/dev/null 9>&- | sed -n '/"daemon"/,/}/s/.*"pid" : \([0-9]*\).*/\1/p')
        timeout 300 "$ECIVM" down >/dev/null 2>&1 9>&- || true
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
}
