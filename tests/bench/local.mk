# --- benchmarks (tests/bench/README.md) ---
# Built with everything so they keep compiling; `make bench` runs the three
# scripts (they boot VMs under the integration tests' lock and print
# figures; nothing is asserted).  Programs that run in a guest or container
# are static; none gets the sanitizer flags, so timings stay comparable.
WIRE_BENCH_SOURCES = tests/bench/wire-bench.c tests/bench/wire-bench.h \
	tests/bench/wire-bench-loop.c tests/bench/wire-bench-loop.h $(WIRE_SOURCES)
noinst_PROGRAMS += tests/bench/boot-init tests/bench/ping-bench \
	tests/bench/wire-bench-guest tests/bench/wire-bench-host
tests_bench_boot_init_SOURCES = tests/bench/boot-init.c
tests_bench_boot_init_CFLAGS = $(WARN_CFLAGS)
tests_bench_boot_init_LDFLAGS = -static
tests_bench_ping_bench_SOURCES = tests/bench/ping-bench.c
tests_bench_ping_bench_CFLAGS = $(WARN_CFLAGS)
tests_bench_ping_bench_LDFLAGS = -static
tests_bench_wire_bench_guest_SOURCES = tests/bench/wire-bench-guest.c tests/bench/wire-bench-relay.c \
	tests/bench/wire-bench-relay.h $(WIRE_BENCH_SOURCES)
tests_bench_wire_bench_guest_CFLAGS = $(WARN_CFLAGS)
tests_bench_wire_bench_guest_LDFLAGS = -static
tests_bench_wire_bench_host_SOURCES = tests/bench/wire-bench-host.c $(WIRE_BENCH_SOURCES)
tests_bench_wire_bench_host_CFLAGS = $(WARN_CFLAGS)
tests_bench_wire_bench_host_LDFLAGS =
BENCH_SH = tests/bench/boot.sh tests/bench/proxy.sh tests/bench/throughput.sh tests/bench/measure.sh
EXTRA_DIST += tests/bench/README.md tests/bench/lib.sh $(BENCH_SH) tests/bench/runc.sh

BENCH_BINS = tests/bench/boot-init$(EXEEXT) tests/bench/ping-bench$(EXEEXT) \
	tests/bench/wire-bench-guest$(EXEEXT) tests/bench/wire-bench-host$(EXEEXT)
bench: $(BENCH_BINS) vmm/ecivm$(EXEEXT) vmm/ecivmd$(EXEEXT) images/out/manifest.json
	@for s in $(BENCH_SH); do \
		echo "== $$s"; \
		top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
			bash $(top_srcdir)/$$s || exit 1; \
	done
.PHONY: bench
# --- end benchmarks ---
