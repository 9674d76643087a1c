#!/bin/bash
# Docker API latency through ecivm against dockerd's own socket in the guest.
# Boots the VM with `ecivm up --accel=tcg`, then per round (order alternating)
# runs ping-bench (a) on the host against the ecivm host socket (ecivmd's mux,
# virtio-serial, ecivm-agent, dockerd) and (b) in the guest, in a container
# made of bb.tar plus the static ping-bench, against /run/docker.sock
# bind-mounted from the guest.  GET /_ping BENCH_REQUESTS times on a new
# connection each (as the docker CLI does) and on one keep-alive connection;
# then GET /version.  Prints p50/p99/mean over all rounds and host/guest
# ratios.  Figures only; nothing is asserted.
#
# (b) needs a bind mount of the engine socket, which ECI refuses (the host's
# API filter and the guest runtime) unless the image is on the admin's
# dockerSocketMount allow-list.  The runtime only matches names of images
# pulled from a registry, and this one is imported, so this run's VM gets an
# admin settings file with ECI on and the list "*".  If the bind is refused
# all the same, the host side still runs and is printed, then the script
# fails with the refusal.  On the test image (make images-test;
# ECIVM_IMAGE_DIR=images/out-test) BENCH_GUEST_RUNTIME=plain-runc runs the
# guest side under the real runc instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

N=${BENCH_REQUESTS:-200}
VERSION_N=${BENCH_VERSION_REQUESTS:-20}
IMAGE=ecivm-bench/ping
GUEST_SOCK=/run/docker.sock
REFUSED=

docker() { timeout 300 "$DOCKER_BIN" -H "unix://$DOCKER_SOCK" "$@"; }

import_bench_image() {
        local d=$T/ping-rootfs
        mkdir -p "$d"
        tar -xf "$IMAGES/bb.tar" -C "$d"
        cp "$(bench_prog ping-bench)" "$d/ping-bench"
        tar -C "$d" -cf "$T/ping.tar" .
        docker import "$T/ping.tar" "$IMAGE" >/dev/null || die "docker import of the bench image failed"
}

# The same ping-bench runs, on the host or in one guest container.
bench_cmds() { # SOCKET
        printf '%s\n' "/ping-bench -s -n $N $1" "/ping-bench -s -k -n $N $1" \
                "/ping-bench -s -b -p /version -n $VERSION_N $1"
}

run_host() {
        local cmd
        while read -r cmd; do "$PING" ${cmd#/ping-bench }; done < <(bench_cmds "$DOCKER_SOCK")
}

# Sets REFUSED and returns 1 when the engine refuses the socket bind mount.
run_guest() {
        local out=$T/guest.err
        if docker run --rm --network none ${BENCH_GUEST_RUNTIME:+--runtime "$BENCH_GUEST_RUNTIME"} \
                -v "$GUEST_SOCK:$GUEST_SOCK" "$IMAGE" \
                /bin/sh -c "$(bench_cmds "$GUEST_SOCK" | paste -sd';' | sed 's/;/ \&\& /g')" 2>"$out"; then
                return 0
        fi
        grep -qiE 'docker\.sock|bind|mount' "$out" || die "bench container failed: $(tr '\n' ' ' <"$out")"
        REFUSED="the bench container's bind mount of $GUEST_SOCK was refused ($(tr '\n' ' ' <"$out"| sed 's/ *$//'))."
        REFUSED+=" ECI allows it only for images on enhancedContainerIsolation.dockerSocketMount.imageList"
        REFUSED+=" (this run's list: $(grep -o '"images": \[[^]]*\]' "$ECIVM_ADMIN_SETTINGS"))"
        return 1
}

# Files $T/lat.WHERE.PATH.MODE get the latencies (us) of each summary line's run.
collect() { # WHERE
        awk -v dir="$T" -v where="$1" '
                /^sample / { s[n++] = $2; next }
                /^body / { print > (dir "/body." where); next }
                /^ping-bench: / {
                        split($2, p, "="); split($3, m, "=")
                        f = dir "/lat." where "." (p[2] == "/_ping" ? "ping" : "version") "." m[2]
                        for (i = 0; i < n; i++) print s[i] >> f
                        n = 0
                }'
}

lat_stats() { # FILE: "p50 p99 mean n" in ms
        sort -g "$1" | awk '{ v[NR] = $1; sum += $1 } END {
                p50 = v[int((NR * 50 + 99) / 100)]; p99 = v[int((NR * 99 + 99) / 100)]
                printf "%.2f %.2f %.2f %d\n", p50 / 1000, p99 / 1000, sum / NR / 1000, NR }'
}

print_pair() { # LABEL PATH MODE
        local h g
        h=($(lat_stats "$T/lat.host.$2.$3"))
        printf 'proxy: %-28s host  p50 %7.2f ms  p99 %7.2f  mean %7.2f  (N=%d)\n' "$1" "${h[@]}"
        [ -s "$T/lat.guest.$2.$3" ] || return 0
        g=($(lat_stats "$T/lat.guest.$2.$3"))
        printf 'proxy: %-28s guest p50 %7.2f ms  p99 %7.2f  mean %7.2f  (N=%d)\n' "$1" "${g[@]}"
        printf 'proxy: %-28s host/guest p50 %sx, p99 %sx, mean %sx\n' "$1" "$(ratio "${h[0]}" "${g[0]}")" \
                "$(ratio "${h[1]}" "${g[1]}")" "$(ratio "${h[2]}" "${g[2]}")"
}

version_of() { # WHERE
        sed -n 's/.*"Version":"\([^"]*\)".*"ApiVersion":"\([^"]*\)".*/dockerd \1, API \2/p' "$T/body.$1"
}

bench_lock
snapshot_images
ecivm_env '"enhancedContainerIsolation": {"locked": false, "value": true,
  "dockerSocketMount": {"imageList": {"images": ["*"], "allowDerivedImages": false}}}'
PING=$(bench_prog ping-bench)
on_exit ecivm_cleanup
timeout 900 "$ECIVM" up --accel=tcg >"$T/up.out" 2>&1 9>&- || { cat "$T/up.out" >&2; die "ecivm up failed"; }
sed 's/^/# /' "$T/up.out"
import_bench_image
say "# $BENCH_ROUNDS rounds; per round and side: $N x /_ping new connection, $N x /_ping keep-alive, $VERSION_N x /version"
for ((i = 1; i <= BENCH_ROUNDS; i++)); do
        if ((i % 2)); then order="host guest"; else order="guest host"; fi
        for where in $order; do
                [ "$where" = guest ] && [ -n "$REFUSED" ] && continue
                if [ "$where" = host ]; then run_host; else run_guest || continue; fi >"$T/round.out"
                collect "$where" <"$T/round.out"
                say "# round $i $where: $(grep '^ping-bench:' "$T/round.out" | sed 's/.*path=//' | cut -d' ' -f1,2,5 | paste -sd, -)"
        done
done

print_pair "/_ping, new connection" ping new
print_pair "/_ping, keep-alive" ping keepalive
print_pair "/version, new connection" version new
say "proxy: /version answered by $(version_of host) (host side)${REFUSED:+, guest side not run}$([ -n "$REFUSED" ] ||
        echo ", $(version_of guest) (guest side)")"
[ -z "$REFUSED" ] || die "$REFUSED"
