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
# admin settings file with ECI on and the list "*"; a refusal all the same
# stops the script with the daemon's message.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

N=${BENCH_REQUESTS:-200}
VERSION_N=${BENCH_VERSION_REQUESTS:-20}
IMAGE=ecivm-bench/ping
GUEST_SOCK=/run/docker.sock

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

run_guest() {
        local out=$T/guest.err
        if docker run --rm --network none -v "$GUEST_SOCK:$GUEST_SOCK" "$IMAGE" \
                /bin/sh -c "$(bench_cmds "$GUEST_SOCK" | paste -sd';' | sed 's/;/ \&\& /g')" 2>"$out"; then
                return 0
        fi
        if grep -qiE 'docker\.sock|bind|mount' "$out"; then
                die "the bench container's bind mount of $GUEST_SOCK was refused ($(tr '\n' ' ' <"$out"))." \
                        "ECI allows it only for images on enhancedContainerIsolation.dockerSocketMount.imageList" \
                        "(this run's list: $(grep -o '"images": \[[^]]*\]' "$ECIVM_ADMIN_SETTINGS"))"
        fi
        die "bench container failed: $(tr '\n' ' ' <"$out")"
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
        g=($(lat_stats "$T/lat.guest.$2.$3"))
        printf 'proxy: %-28s host  p50 %7.2f ms  p99 %7.2f  mean %7.2f  (N=%d)\n' "$1" "${h[@]}"
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
                if [ "$where" = host ]; then run_host; else run_guest; fi >"$T/round.out"
                collect "$where" <"$T/round.out"
                say "# round $i $where: $(grep '^ping-bench:' "$T/round.out" | sed 's/.*path=//' | cut -d' ' -f1,2,5 | paste -sd, -)"
        done
done

print_pair "/_ping, new connection" ping new
print_pair "/_ping, keep-alive" ping keepalive
print_pair "/version, new connection" version new
say "proxy: /version answered by $(version_of host) (host side), $(version_of guest) (guest side)"
