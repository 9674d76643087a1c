# Shared helpers for integration tests (TAP).  Each test script gets its own
# run/state directories, a VM lock (two VMs at once would starve 2 cores),
# and Debian's stock docker CLI pointed at the VM's host socket.
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
ECIVM="$top_builddir/vmm/ecivm"
export ECIVMD="$top_builddir/vmm/ecivmd"
export ECIVM_IMAGE_DIR="${ECIVM_IMAGE_DIR:-$top_builddir/images/out}"
DOCKER_BIN=/usr/bin/docker # Debian's docker.io client, not any other docker
BB_TAR="$ECIVM_IMAGE_DIR/bb.tar"
# make images signs the manifest with this key (images/keys, never committed)
export ECIVM_TRUSTED_KEY="${ECIVM_TRUSTED_KEY:-$top_builddir/images/keys/image.pub}"

T=$(mktemp -d /tmp/ecivm-it.XXXXXX)
export ECIVM_RUN_DIR="$T/run" ECIVM_STATE_DIR="$T/state"
DOCKER_SOCK="$ECIVM_RUN_DIR/docker.sock"
docker() { "$DOCKER_BIN" -H "unix://$DOCKER_SOCK" "$@"; }

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# todo REASON DESCRIPTION: a known gap, reported as TAP TODO (an expected
# failure: it shows in every run's summary as XFAIL, and as XPASS once fixed)
todo() { local why=$1; shift; n=$((n + 1)); echo "not ok $n - $* # TODO $why"; }
# check DESCRIPTION COMMAND...: one TAP line from a command's exit status
check() {
        local d=$1
        shift
        if "$@" >"$T/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' "$T/out" | tail -20; fi
}
diag() { echo "# $*"; }
bail() { echo "Bail out! $*"; exit 1; }

vm_lock() { # idempotent: reopening fd 9 would drop a lock already held
        [ -n "${VM_LOCK_HELD:-}" ] && return 0
        exec 9>/tmp/ecivm-vm-tests.lock
        flock 9
        VM_LOCK_HELD=1
}

cleanup() {
        "$ECIVM" down >/dev/null 2>&1 || true
        if [ -f "$ECIVM_RUN_DIR/ecivmd.lock" ]; then
                # a daemon that did not exit with its VM must not outlive the test
                pkill -f -- "--run-dir=$ECIVM_RUN_DIR" 2>/dev/null || true
        fi
        if [ "$failed" -ne 0 ] || [ -n "${KEEP:-}" ]; then
                diag "state kept in $T (console.log, ecivmd.log, qemu.log)"
                for f in "$ECIVM_STATE_DIR/ecivmd.log" "$ECIVM_STATE_DIR/console.log"; do
                        [ -f "$f" ] && { diag "--- tail $f"; tail -25 "$f" | sed 's/^/# /'; }
                done
        else
                rm -rf "$T"
        fi
}
trap cleanup EXIT

# admin_settings < JSON: this test's admin settings file (ecivmd and ecivm
# read ECIVM_ADMIN_SETTINGS), in a state dir with the modes ecivmd demands
admin_settings() {
        mkdir -p "$T/state" && chmod 700 "$T/state"
        export ECIVM_ADMIN_SETTINGS="$T/admin-settings.json"
        cat >"$ECIVM_ADMIN_SETTINGS"
}

require_image() {
        [ -f "$ECIVM_IMAGE_DIR/manifest.json" ] || bail "no guest image in $ECIVM_IMAGE_DIR: run make images"
        [ -x "$DOCKER_BIN" ] || bail "$DOCKER_BIN missing: install Debian's docker.io"
}

finish() {
        echo "1..$n"
        [ "$failed" -eq 0 ]
}
