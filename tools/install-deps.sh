#!/bin/bash
# Installs, from Debian's archive only, what ecivm needs to build, to build
# its guest image, and to run its tests.  Idempotent; quiet when nothing is
# missing.
set -euo pipefail

packages=(
        build-essential autoconf automake pkg-config
        libglib2.0-dev libjson-glib-dev libvirt-dev uuid-dev libcmocka-dev libssl-dev libfuse3-dev
        qemu-system-x86 qemu-utils
        libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu
        erofs-utils cryptsetup-bin kmod e2fsprogs cpio
        docker.io socat python3 curl util-linux valgrind bc cppcheck clang-tidy
)

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
        exit 0
fi
echo "[deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/ecivm-apt.log 2>&1; then
        apt-get update >>/tmp/ecivm-apt.log 2>&1 || true
        apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/ecivm-apt.log 2>&1 ||
                { echo "deps: apt-get install failed (see /tmp/ecivm-apt.log)" >&2; tail -5 /tmp/ecivm-apt.log >&2; exit 1; }
fi
# Debian's docker.io ships a daemon too; ecivm only uses its client, so make
# sure no host dockerd/containerd was left running by the package.
getent group ecivm >/dev/null || groupadd --system ecivm
