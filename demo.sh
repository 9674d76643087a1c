#!/bin/bash
# The main job on a fresh Debian 12 machine, as root: install what is needed,
# build ecivm and its guest image, boot the VM, and run a container in it
# through the host's Docker socket with Debian's stock docker CLI.
set -euo pipefail
cd "$(dirname "$0")"

tools/install-deps.sh
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure -q
make -s -j2
make -s images

ecivm=vmm/ecivm
docker="/usr/bin/docker -H unix:///run/ecivm/docker.sock"

$ecivm up
if ! $docker image inspect ecivm/busybox >/dev/null 2>&1; then
        echo "[demo] importing a busybox image (no registry is needed)"
        $docker import images/out/bb.tar ecivm/busybox >/dev/null
fi
echo "[demo] docker run --rm ecivm/busybox ..."
start=$(date +%s.%N)
$docker run --rm ecivm/busybox sh -c 'echo "hello from a container in the ecivm VM: kernel $(uname -r), uid_map: $(cat /proc/self/uid_map)"'
end=$(date +%s.%N)
printf '[demo] container ran in %.1f s\n' "$(echo "$end - $start" | bc 2>/dev/null || python3 -c "print($end-$start)")"
$ecivm status
echo "[demo] the VM keeps running: try  $docker run --rm ecivm/busybox echo hi   and  $ecivm down"
