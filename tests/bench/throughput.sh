#!/bin/bash
# Bulk throughput through the wire mux against a raw single stream on the
# same virtio-serial port.  QEMU is booted directly (no ecivmd) with the
# image's kernel and a bench initramfs: the virtio-serial modules taken from
# images/out/initrd.img (in its load order) and wire-bench-guest as /init,
# which serves the wire-bench protocol on the org.ecivm.docker port: raw
# (bench.mode=raw), behind the real wire_mux (bench.mode=mux, each stream a
# socketpair served in the same poll loop), or, to split the difference,
# relayed without framing to such a socketpair (bench.mode=relay).  The host
# side is wire-bench-host on QEMU's chardev socket.  Each round boots one
# guest per mode (order rotating) and moves BENCH_MB MiB each way: raw,
# relay, mux with one stream, mux with 4 streams sharing the BENCH_MB.
# Prints MB/s (10^6 bytes/s) and mux/raw ratios against the target.
# WIRE_BENCH_GUEST / WIRE_BENCH_HOST replace the two programs, e.g. with
# builds of a changed wire/mux.c to compare against.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARGET=0.8
BENCH_MB=${BENCH_MB:-64}
QPID=

build_initramfs() {
        local ird=$T/ecivm-initrd d=$T/bench-rd krel rel n=0
        unpack_initrd "$ird"
        krel=$(sed -n 's/^KERNEL_RELEASE=//p' "$IMAGES/build-info.env")
        mkdir -p "$d/dev" "$d/proc" "$d/sys" "$d/modules" "$d/etc"
        while read -r rel; do
                case $rel in */drivers/virtio/*.ko | */drivers/char/virtio_console.ko) ;; *) continue ;; esac
                cp "$ird/lib/modules/$krel/$rel" "$d/modules/"
                echo "/modules/${rel##*/}" >>"$d/etc/bench-modules"
                n=$((n + 1))
        done <"$ird/etc/ecivm/modules"
        grep -q virtio_console "$d/etc/bench-modules" || die "initrd.img has no virtio_console.ko"
        cp "${WIRE_BENCH_GUEST:-$(bench_prog wire-bench-guest)}" "$d/init"
        make_initramfs "$d" "$T/bench.img"
        say "# bench initramfs: $n modules ($(tr '\n' ' ' <"$d/etc/bench-modules")) + wire-bench-guest"
}

boot_guest() { # MODE
        local sock=$T/port.sock
        rm -f "$sock"
        "$QEMU" "${QEMU_TCG[@]}" -kernel "$IMAGES/vmlinuz" -initrd "$T/bench.img" \
                -append "$CMDLINE bench.mode=$1" \
                -chardev "file,id=con,path=$T/console-$1.log" -serial chardev:con \
                -device virtio-serial-pci,id=vser \
                -chardev "socket,id=b,path=$sock,server=on,wait=off" \
                -device "virtserialport,bus=vser.0,chardev=b,name=org.ecivm.docker" \
                </dev/null >"$T/qemu-$1.log" 2>&1 &
        QPID=$!
}

run_guest() { # MODE TEST...: boots, runs the tests, appends result lines to $T/results
        local mode=$1 out=$T/host-$1.out
        shift
        boot_guest "$mode"
        if ! "$HOST" --timeout=900 --qemu-pid="$QPID" "$T/port.sock" "$mode" ~put:1:4 ~get:1:4 "$@" quit >"$out" 2>&1; then
                cat "$out" "$T/qemu-$mode.log" >&2
                tail -20 "$T/console-$mode.log" >&2
                die "wire-bench-host ($mode) failed"
        fi
        kill_wait "$QPID" 30
        QPID=
        cat "$out" >>"$T/results"
        sed 's/^/# /' "$out"
        grep -a '^wire-bench-guest: [a-z]* [a-z_]*=' "$T/console-$mode.log" | sed 's/^/# /' || true
}

mbps() { # MODE OP STREAMS [FIELD]: the values of that test, one per round
        sed -n "s/^wire-bench: mode=$1 op=$2 streams=$3 .*${4:-MBps}=\([0-9.]*\).*/\1/p" "$T/results"
}

print_stats() { # LABEL MODE OP STREAMS
        local st v c
        v=($(mbps "$2" "$3" "$4"))
        [ "${#v[@]}" -gt 0 ] || die "no results for $1"
        st=($(stats "${v[@]}"))
        c=($(mbps "$2" "$3" "$4" qemu_cpu_ms_per_MB))
        printf 'throughput: %-30s median %7.2f MB/s  min %7.2f  max %7.2f  (N=%d)  QEMU CPU %5.2f ms/MB\n' \
                "$1" "${st[0]}" "${st[1]}" "${st[2]}" "${#v[@]}" "$(median "${c[@]:-0}")"
}

med() { median $(mbps "$@"); }

print_ratio() { # LABEL OP STREAMS
        local r verdict
        r=$(ratio "$(med mux "$2" "$3")" "$(med raw "$2" 1)")
        verdict=$(awk -v r="$r" -v t="$TARGET" 'BEGIN { print (r >= t) ? "PASS" : "MISS" }')
        say "throughput: ratio $1 ${r}x (target >= ${TARGET}x): $verdict"
}

print_split() { # LABEL OP: where the mux(1)/raw gap goes
        say "throughput: split $1: relay/raw $(ratio "$(med relay "$2" 1)" "$(med raw "$2" 1)")x" \
                "(the socketpair hop), mux(1)/relay $(ratio "$(med mux "$2" 1)" "$(med relay "$2" 1)")x (the mux)"
}

bench_lock
snapshot_images
CMDLINE=$(manifest_cmdline)
HOST=${WIRE_BENCH_HOST:-$(bench_prog wire-bench-host)}
on_exit 'kill_wait "$QPID" 0'
build_initramfs
say "# qemu ${QEMU_TCG[*]}, $BENCH_MB MiB per test"
: >"$T/results"
M=$BENCH_MB
for ((i = 1; i <= BENCH_ROUNDS; i++)); do
        case $((i % 3)) in
        1) order="raw relay mux" ;;
        2) order="mux raw relay" ;;
        0) order="relay mux raw" ;;
        esac
        say "# round $i"
        for mode in $order; do
                if [ "$mode" = mux ]; then
                        run_guest mux "put:1:$M" "put:4:$M" "get:1:$M" "get:4:$M"
                else
                        run_guest "$mode" "put:1:$M" "get:1:$M"
                fi
        done
done

print_stats "host->guest raw" raw put 1
print_stats "host->guest relay" relay put 1
print_stats "host->guest mux, 1 stream" mux put 1
print_stats "host->guest mux, 4 streams" mux put 4
print_stats "guest->host raw" raw get 1
print_stats "guest->host relay" relay get 1
print_stats "guest->host mux, 1 stream" mux get 1
print_stats "guest->host mux, 4 streams" mux get 4
print_ratio "host->guest mux(1)/raw" put 1
print_ratio "host->guest mux(4)/raw" put 4
print_ratio "guest->host mux(1)/raw" get 1
print_ratio "guest->host mux(4)/raw" get 4
print_split "host->guest" put
print_split "guest->host" get
