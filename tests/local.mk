# tests fragment
# Unit tests are every TESTS entry that is not an integration test; the
# sanitizer build runs `make check-unit`.  Integration tests boot the real VM
# (TAP scripts, serialised by a lock in tests/integration/lib.sh).

# --- integration tests (lead) ---
INTEGRATION_TESTS = \
	tests/integration/refusals.sh \
	tests/integration/attest.sh \
	tests/integration/vm-docker.sh \
	tests/integration/service.sh \
	tests/integration/service-limits.sh \
	tests/integration/dockerd-restart.sh \
	tests/integration/disk-full.sh \
	tests/integration/settings.sh \
	tests/integration/security.sh \
	tests/integration/libvirt.sh \
	tests/integration/eci-runc.sh \
	tests/integration/eci-plain.sh \
	tests/integration/filter-diff.sh \
	tests/integration/red-team.sh \
	tests/integration/engine-peer.sh \
	tests/bad-input/bad-input.sh
if VM_TESTS
TESTS += $(INTEGRATION_TESTS)
endif
EXTRA_DIST += tests/integration/lib.sh tests/integration/eci-lib.sh tests/integration/probes/sysprobe.c \
	tests/integration/probes/payload.c \
	tests/integration/probes/engine-get.c \
	$(INTEGRATION_TESTS)
AM_DISTCHECK_CONFIGURE_FLAGS = --disable-vm-tests
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
AM_TESTS_ENVIRONMENT = top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)'; export top_builddir top_srcdir;
# The VM tests need the guest image and the binaries it is built from.
$(INTEGRATION_TESTS:.sh=.log): images/out/manifest.json vmm/ecivm vmm/ecivmd vmm/ecivm-crypto vmm/ecivm-libvirt.so
# the other half of the ECI battery, the report's broken rows and dockerd
# killed from a plain-runc container run on the test image
tests/integration/eci-plain.log tests/integration/security.log tests/integration/dockerd-restart.log \
	tests/integration/engine-peer.log: \
	images/out-test/manifest.json
tests/bad-input/bad-input.log: tests/fuzz/fuzz-guest$(EXEEXT)
EXTRA_DIST += tests/bad-input/send.py

# Load and soak runs (issue 7): bounded in time, one VM boot each, not part
# of make check; each prints its figures (see README, Reliability).
SOAK_RUNS = tests/soak/api-streams.sh tests/soak/eci-cycles.sh tests/soak/control-garbage.sh
EXTRA_DIST += $(SOAK_RUNS) tests/soak/soaklib.py tests/soak/api-streams.py tests/soak/eci-cycles.py \
	tests/soak/control-garbage.py
soak: images/out/manifest.json images/out-test/manifest.json vmm/ecivm vmm/ecivmd
	@for s in $(SOAK_RUNS); do \
	  echo "[soak] $$s"; \
	  top_builddir=$(abs_top_builddir) top_srcdir=$(abs_top_srcdir) $(SHELL) $(top_srcdir)/$$s || exit 1; \
	done
.PHONY: soak

check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(filter-out $(INTEGRATION_TESTS),$(TESTS))"

# Mutants of the security-critical pure code against the unit tests
# (tests/mutation/mutants.txt; format, cost and results in tests/README.md).
# Builds in $(builddir)/tests/out/mutation, kept between runs.
check-mutation:
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' python3 $(top_srcdir)/tests/mutation/run.py
EXTRA_DIST += tests/mutation/run.py tests/mutation/mutants.txt tests/README.md
.PHONY: check-mutation

# The daemon's protocol and mux paths under memcheck: no errors, no definite leaks.
VALGRIND_TESTS = tests/unit/test-wire tests/unit/test-mux tests/unit/test-api-proto tests/unit/test-backoff
check-valgrind: $(VALGRIND_TESTS)
	@for t in $(VALGRIND_TESTS); do \
	  echo "[valgrind] $$t"; \
	  valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
	    --track-fds=no ./$$t >$$t.valgrind.log 2>&1 || { tail -40 $$t.valgrind.log; exit 1; }; \
	done; echo "[valgrind] clean"
.PHONY: check-unit check-valgrind
# --- end integration tests ---

# --- guest unit tests (ecivm-init: cmdline parser, daemon.json builder) ---
GUEST_TEST_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/guest/init \
	-DGOLDEN_DIR=\"$(abs_top_srcdir)/tests/unit/golden\"
check_PROGRAMS += tests/unit/test-guest-cmdline tests/unit/test-daemon-json tests/unit/test-guest-settings
TESTS += tests/unit/test-guest-cmdline tests/unit/test-daemon-json tests/unit/test-guest-settings
tests_unit_test_guest_cmdline_SOURCES = tests/unit/test-guest-cmdline.c tests/unit/guest-golden.c tests/unit/golden-regen.c \
	tests/unit/guest-golden.h guest/init/cmdline.c guest/init/cmdline.h wire/contract.c wire/contract.h
tests_unit_test_guest_cmdline_CFLAGS = $(GUEST_TEST_CFLAGS)
tests_unit_test_guest_cmdline_LDADD = $(CMOCKA_LIBS)
tests_unit_test_daemon_json_SOURCES = tests/unit/test-daemon-json.c tests/unit/guest-golden.c tests/unit/golden-regen.c \
	tests/unit/guest-golden.h guest/init/daemon-json.c guest/init/daemon-json.h
tests_unit_test_daemon_json_CFLAGS = $(GUEST_TEST_CFLAGS)
tests_unit_test_daemon_json_LDADD = $(CMOCKA_LIBS)
tests_unit_test_guest_settings_SOURCES = tests/unit/test-guest-settings.c tests/unit/guest-golden.c tests/unit/golden-regen.c \
	tests/unit/guest-golden.h guest/init/settings.c guest/init/settings.h $(WIRE_SOURCES)
tests_unit_test_guest_settings_CFLAGS = $(GUEST_TEST_CFLAGS)
tests_unit_test_guest_settings_LDADD = $(CMOCKA_LIBS)
EXTRA_DIST += tests/unit/golden/guest-cmdline tests/unit/golden/daemon-json tests/unit/golden/guest-settings
check_PROGRAMS += tests/unit/test-procfs-diskstats
TESTS += tests/unit/test-procfs-diskstats
tests_unit_test_procfs_diskstats_SOURCES = tests/unit/test-procfs-diskstats.c tests/unit/guest-golden.c tests/unit/golden-regen.c \
	tests/unit/guest-golden.h guest/procfs/diskstats.c guest/procfs/diskstats.h
tests_unit_test_procfs_diskstats_CFLAGS = $(GUEST_TEST_CFLAGS) -I$(top_srcdir)/guest/procfs
tests_unit_test_procfs_diskstats_LDADD = $(CMOCKA_LIBS)
EXTRA_DIST += tests/unit/golden/procfs-diskstats tests/unit/golden/procfs-cgroup
# ecivm-agent: who the engine-socket stand-in answers
check_PROGRAMS += tests/unit/test-engine-peer
TESTS += tests/unit/test-engine-peer
tests_unit_test_engine_peer_SOURCES = tests/unit/test-engine-peer.c guest/agent/engine-peer.c \
	guest/agent/engine-peer.h guest/engine-grant.h
tests_unit_test_engine_peer_CFLAGS = $(GUEST_TEST_CFLAGS) -I$(top_srcdir)/guest/agent
tests_unit_test_engine_peer_LDADD = $(CMOCKA_LIBS)
# --- end guest unit tests ---

# --- vmm unit tests ---
# Golden-file tests of the pure builders in vmm/libecivm-core.a.
# Regeneration is on purpose only (tests/unit/golden-regen.h):
#   ECIVM_REGENERATE_GOLDEN=1 make check-unit TESTS='tests/unit/test-cmdline'
# rewrites the expected outputs under tests/unit/golden/ that differ and FAILS,
# listing every file it rewrote: review `git diff tests/unit/golden`, then run
# again without the variable.  Only the value 1 is accepted (anything else is
# an error), and check.sh refuses to run with the variable set.
VMM_UNIT_TESTS = \
	tests/unit/test-cmdline \
	tests/unit/test-qemu-argv \
	tests/unit/test-accel \
	tests/unit/test-manifest
check_PROGRAMS += $(VMM_UNIT_TESTS)
TESTS += $(VMM_UNIT_TESTS)
EXTRA_DIST += tests/unit/golden/cmdline tests/unit/golden/qemu-argv tests/unit/golden/accel \
	tests/unit/golden/manifest
VMM_UNIT_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) $(CMOCKA_CFLAGS) \
	-I$(top_srcdir)/vmm -DGOLDEN_DIR=\"$(abs_top_srcdir)/tests/unit/golden\"
VMM_UNIT_LDADD = vmm/libecivm-core.a wire/libwire.a $(GLIB_LIBS) $(JSON_LIBS) $(CRYPTO_LIBS) $(CMOCKA_LIBS)
VMM_UNIT_COMMON = tests/unit/vmm-golden.c tests/unit/vmm-golden.h tests/unit/golden-regen.c tests/unit/golden-regen.h
tests_unit_test_cmdline_SOURCES = tests/unit/test-cmdline.c $(VMM_UNIT_COMMON)
tests_unit_test_cmdline_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_cmdline_LDADD = $(VMM_UNIT_LDADD)
tests_unit_test_qemu_argv_SOURCES = tests/unit/test-qemu-argv.c $(VMM_UNIT_COMMON)
tests_unit_test_qemu_argv_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_qemu_argv_LDADD = $(VMM_UNIT_LDADD)
tests_unit_test_accel_SOURCES = tests/unit/test-accel.c $(VMM_UNIT_COMMON)
tests_unit_test_accel_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_accel_LDADD = $(VMM_UNIT_LDADD)
tests_unit_test_manifest_SOURCES = tests/unit/test-manifest.c $(VMM_UNIT_COMMON)
tests_unit_test_manifest_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_manifest_LDADD = $(VMM_UNIT_LDADD)
# --- end vmm unit tests ---

# --- wire tests ---
# wire/ codecs and engine (cmocka), and the wire fuzz target built without
# libFuzzer as a corpus replay program (tests/fuzz/replay-wire.sh, TAP).
# ECIVM_REGENERATE_GOLDEN=1 make check TESTS=tests/unit/test-wire rewrites
# tests/unit/golden/wire/*.hex and fails (see the vmm unit tests).  `make fuzz-wire [FUZZ_SECONDS=60]` builds
# the libFuzzer flavour with clang and fuzzes a copy of the corpus kept in
# tests/out/fuzz-wire/ (crashers go to tests/out/fuzz-wire/artifacts/).
WIRE_TEST_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(CMOCKA_CFLAGS) $(CRYPTO_CFLAGS) \
	-DGOLDEN_DIR=\"$(abs_top_srcdir)/tests/unit/golden\"
WIRE_TEST_LDADD = wire/libwire.a $(CMOCKA_LIBS) $(CRYPTO_LIBS)
check_PROGRAMS += tests/unit/test-wire tests/unit/test-mux tests/fuzz/fuzz-wire
TESTS += tests/unit/test-wire tests/unit/test-mux tests/fuzz/replay-wire.sh
tests_unit_test_wire_SOURCES = tests/unit/test-wire.c tests/unit/golden-regen.c tests/unit/golden-regen.h
tests_unit_test_wire_CFLAGS = $(WIRE_TEST_CFLAGS)
tests_unit_test_wire_LDADD = $(WIRE_TEST_LDADD)
tests_unit_test_mux_SOURCES = tests/unit/test-mux.c
tests_unit_test_mux_CFLAGS = $(WIRE_TEST_CFLAGS)
tests_unit_test_mux_LDADD = $(WIRE_TEST_LDADD)
tests_fuzz_fuzz_wire_SOURCES = tests/fuzz/fuzz-wire.c
tests_fuzz_fuzz_wire_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS)
tests_fuzz_fuzz_wire_LDADD = wire/libwire.a
EXTRA_DIST += tests/unit/golden/wire tests/fuzz/corpus/wire tests/fuzz/replay-wire.sh
tests/fuzz/replay-wire.log: tests/fuzz/fuzz-wire$(EXEEXT)

FUZZ_SECONDS = 60
WIRE_FUZZ_DIR = tests/out/fuzz-wire
WIRE_FUZZ_CC = clang
fuzz-wire:
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
	    $(WIRE_FUZZ_CC) -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then \
		echo "fuzz-wire: installing clang and its fuzzer runtime (Debian)"; \
		apt-get install -y --no-install-recommends clang libclang-rt-14-dev || exit 1; \
	fi
	$(MKDIR_P) $(WIRE_FUZZ_DIR)/corpus $(WIRE_FUZZ_DIR)/artifacts
	$(WIRE_FUZZ_CC) -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -DECIVM_LIBFUZZER -I$(top_srcdir)/wire -o $(WIRE_FUZZ_DIR)/fuzz-wire \
		$(top_srcdir)/tests/fuzz/fuzz-wire.c $(top_srcdir)/wire/wire.c $(top_srcdir)/wire/mux.c
	cp $(top_srcdir)/tests/fuzz/corpus/wire/* $(WIRE_FUZZ_DIR)/corpus/
	$(WIRE_FUZZ_DIR)/fuzz-wire -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(WIRE_FUZZ_DIR)/artifacts/ $(WIRE_FUZZ_DIR)/corpus
.PHONY: fuzz-wire
# --- end wire tests ---

# --- service protocol + state machine unit test (lead) ---
check_PROGRAMS += tests/unit/test-api-proto tests/unit/test-backoff
TESTS += tests/unit/test-api-proto tests/unit/test-backoff
tests_unit_test_backoff_SOURCES = tests/unit/test-backoff.c $(VMM_UNIT_COMMON)
tests_unit_test_backoff_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_backoff_LDADD = $(VMM_UNIT_LDADD)
tests_unit_test_api_proto_SOURCES = tests/unit/test-api-proto.c $(VMM_UNIT_COMMON)
tests_unit_test_api_proto_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_api_proto_LDADD = $(VMM_UNIT_LDADD)
EXTRA_DIST += tests/unit/golden/api-proto
# /proc/<pid>/stat of QEMU, for the hang reason (vmm/proc-stat.c)
check_PROGRAMS += tests/unit/test-proc-stat
TESTS += tests/unit/test-proc-stat
tests_unit_test_proc_stat_SOURCES = tests/unit/test-proc-stat.c $(VMM_UNIT_COMMON)
tests_unit_test_proc_stat_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_proc_stat_LDADD = $(VMM_UNIT_LDADD)
EXTRA_DIST += tests/unit/golden/proc-stat
# ecivmd's child processes (vmm/child.c)
check_PROGRAMS += tests/unit/test-child
TESTS += tests/unit/test-child
tests_unit_test_child_SOURCES = tests/unit/test-child.c vmm/child.c vmm/child.h $(VMM_UNIT_COMMON)
tests_unit_test_child_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_child_LDADD = $(VMM_UNIT_LDADD)
# --- end service protocol test ---

# --- libvirt unit tests (domain XML builder) ---
# virt-xml-validate (libvirt-clients) also checks every successful case
# against libvirt's schema when it is installed.
check_PROGRAMS += tests/unit/test-domain-xml
TESTS += tests/unit/test-domain-xml
tests_unit_test_domain_xml_SOURCES = tests/unit/test-domain-xml.c $(VMM_UNIT_COMMON)
tests_unit_test_domain_xml_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_domain_xml_LDADD = $(VMM_UNIT_LDADD)
EXTRA_DIST += tests/unit/golden/domain-xml
# libvirt's event loop on GLib (vmm/libvirt-event.c, in the module)
check_PROGRAMS += tests/unit/test-libvirt-event
TESTS += tests/unit/test-libvirt-event
tests_unit_test_libvirt_event_SOURCES = tests/unit/test-libvirt-event.c vmm/libvirt-event.c vmm/libvirt-event.h \
	$(VMM_UNIT_COMMON)
tests_unit_test_libvirt_event_CFLAGS = $(VMM_UNIT_CFLAGS) $(LIBVIRT_CFLAGS)
tests_unit_test_libvirt_event_LDADD = $(VMM_UNIT_LDADD) $(LIBVIRT_LIBS)
# --- end libvirt unit tests ---

# --- ecivm-runc unit tests ---
# The ECI policy against golden OCI configs (tests/unit/golden/runc-policy,
# inputs written by tests/unit/gen-runc-policy-cases.py;
# ECIVM_REGENERATE_GOLDEN=1 make check TESTS=tests/unit/test-runc-policy
# rewrites the .out files and fails, see the vmm unit tests), the allowlist matcher, and the user-ID range
# allocator (several processes at once, persistence, exhaustion, corruption).
RUNC_TEST_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) $(CMOCKA_CFLAGS) \
	-I$(top_srcdir)/guest/runc -I$(top_srcdir)/tests/unit -DGOLDEN_DIR=\"$(abs_top_srcdir)/tests/unit/golden\"
RUNC_TEST_LDADD = $(JSON_LIBS) $(GLIB_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test-runc-policy tests/unit/test-runc-idalloc tests/unit/test-runc-allowlist \
	tests/unit/test-runc-mountinfo tests/unit/test-runc-resolve tests/unit/test-runc-grant
TESTS += tests/unit/test-runc-policy tests/unit/test-runc-idalloc tests/unit/test-runc-allowlist \
	tests/unit/test-runc-mountinfo tests/unit/test-runc-resolve tests/unit/test-runc-grant
tests_unit_test_runc_policy_SOURCES = tests/unit/test-runc-policy.c tests/unit/vmm-golden.c tests/unit/golden-regen.c tests/unit/vmm-golden.h \
	guest/runc/policy.c guest/runc/policy.h guest/runc/mount-sources.c guest/runc/mount-sources.h guest/runc/allowlist.c guest/runc/allowlist.h
tests_unit_test_runc_policy_CFLAGS = $(RUNC_TEST_CFLAGS)
tests_unit_test_runc_policy_LDADD = $(RUNC_TEST_LDADD)
tests_unit_test_runc_allowlist_SOURCES = tests/unit/test-runc-allowlist.c guest/runc/allowlist.c \
	guest/runc/allowlist.h guest/runc/facts.c guest/runc/facts.h guest/runc/policy.c guest/runc/policy.h guest/runc/mount-sources.c guest/runc/mount-sources.h
tests_unit_test_runc_allowlist_CFLAGS = $(RUNC_TEST_CFLAGS)
tests_unit_test_runc_allowlist_LDADD = $(RUNC_TEST_LDADD)
tests_unit_test_runc_resolve_SOURCES = tests/unit/test-runc-resolve.c guest/runc/facts.c guest/runc/facts.h \
	guest/runc/mount-sources.c guest/runc/mount-sources.h
tests_unit_test_runc_resolve_CFLAGS = $(RUNC_TEST_CFLAGS)
tests_unit_test_runc_resolve_LDADD = $(RUNC_TEST_LDADD)
tests_unit_test_runc_mountinfo_SOURCES = tests/unit/test-runc-mountinfo.c tests/unit/vmm-golden.c tests/unit/golden-regen.c \
	tests/unit/vmm-golden.h guest/runc/mountinfo.c guest/runc/mountinfo.h
tests_unit_test_runc_mountinfo_CFLAGS = $(RUNC_TEST_CFLAGS)
tests_unit_test_runc_mountinfo_LDADD = $(RUNC_TEST_LDADD)
tests_unit_test_runc_idalloc_SOURCES = tests/unit/test-runc-idalloc.c guest/runc/idalloc.c guest/runc/idalloc.h
tests_unit_test_runc_idalloc_CFLAGS = $(RUNC_TEST_CFLAGS)
tests_unit_test_runc_idalloc_LDADD = $(RUNC_TEST_LDADD)
tests_unit_test_runc_grant_SOURCES = tests/unit/test-runc-grant.c guest/runc/grant.c guest/runc/grant.h \
	guest/engine-grant.h
tests_unit_test_runc_grant_CFLAGS = $(RUNC_TEST_CFLAGS)
tests_unit_test_runc_grant_LDADD = $(RUNC_TEST_LDADD)
EXTRA_DIST += tests/unit/golden/runc-policy tests/unit/gen-runc-policy-cases.py tests/unit/golden/runc-mountinfo
# --- end ecivm-runc unit tests ---

# --- settings, dockerd options policy (issue 4) ---
check_PROGRAMS += tests/unit/test-settings
TESTS += tests/unit/test-settings
check_PROGRAMS += tests/unit/test-security-report
TESTS += tests/unit/test-security-report
EXTRA_DIST += tests/unit/golden/security-report
tests_unit_test_security_report_SOURCES = tests/unit/test-security-report.c $(VMM_UNIT_COMMON)
tests_unit_test_security_report_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_security_report_LDADD = $(VMM_UNIT_LDADD)
tests_unit_test_settings_SOURCES = tests/unit/test-settings.c $(VMM_UNIT_COMMON)
tests_unit_test_settings_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_settings_LDADD = $(VMM_UNIT_LDADD) wire/libwire.a
EXTRA_DIST += tests/unit/golden/settings tests/unit/golden/daemon-options
# --- end settings ---

# --- measured boot unit tests (issue 5): event log replay, Ed25519 signatures ---
check_PROGRAMS += tests/unit/test-eventlog
TESTS += tests/unit/test-eventlog
tests_unit_test_eventlog_SOURCES = tests/unit/test-eventlog.c $(VMM_UNIT_COMMON)
tests_unit_test_eventlog_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_eventlog_LDADD = $(VMM_UNIT_LDADD)
EXTRA_DIST += tests/unit/golden/eventlog
# --- end measured boot unit tests ---

# --- Engine API filter + HTTP head parser (issue 4) ---
check_PROGRAMS += tests/unit/test-api-filter
TESTS += tests/unit/test-api-filter
tests_unit_test_api_filter_SOURCES = tests/unit/test-api-filter.c $(VMM_UNIT_COMMON)
tests_unit_test_api_filter_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_api_filter_LDADD = $(VMM_UNIT_LDADD)
EXTRA_DIST += tests/unit/golden/api-filter
# each rule with its exact refusal and the request beside it that passes
check_PROGRAMS += tests/unit/test-api-filter-rules
TESTS += tests/unit/test-api-filter-rules
tests_unit_test_api_filter_rules_SOURCES = tests/unit/test-api-filter-rules.c
tests_unit_test_api_filter_rules_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_api_filter_rules_LDADD = $(VMM_UNIT_LDADD)
# --- end Engine API filter ---

# --- attestation unit test (issue 5) ---
# Documents built from golden/attest/*.case and verified offline; see the
# comment at the top of tests/unit/test-attest.c.
check_PROGRAMS += tests/unit/test-attest
TESTS += tests/unit/test-attest
tests_unit_test_attest_SOURCES = tests/unit/test-attest.c $(VMM_UNIT_COMMON)
tests_unit_test_attest_CFLAGS = $(VMM_UNIT_CFLAGS)
tests_unit_test_attest_LDADD = $(VMM_UNIT_LDADD) wire/libwire.a
EXTRA_DIST += tests/unit/golden/attest
# --- end attestation unit test ---

# --- host/guest contract (wire/contract.h): both sides' builders and parsers in one program ---
check_PROGRAMS += tests/unit/test-contract
TESTS += tests/unit/test-contract
tests_unit_test_contract_SOURCES = tests/unit/test-contract.c $(VMM_UNIT_COMMON) \
	guest/init/cmdline.c guest/init/cmdline.h guest/init/settings.c guest/init/settings.h
tests_unit_test_contract_CFLAGS = $(VMM_UNIT_CFLAGS) -I$(top_srcdir)
tests_unit_test_contract_LDADD = $(VMM_UNIT_LDADD)
# --- end host/guest contract ---

# --- parser fuzz targets (lead) ---
# One binary, one target per parser of untrusted input (see the file's head);
# make check replays the seed corpora, `make fuzz-parsers` fuzzes each.
check_PROGRAMS += tests/fuzz/fuzz-parsers
TESTS += tests/fuzz/replay-parsers.sh
tests_fuzz_fuzz_parsers_SOURCES = tests/fuzz/fuzz-parsers.c guest/init/cmdline.c guest/init/cmdline.h
tests_fuzz_fuzz_parsers_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) \
	-I$(top_srcdir) -I$(top_srcdir)/vmm -DFUZZ_GOLDEN_DIR=\"$(abs_top_srcdir)/tests/unit/golden\"
tests_fuzz_fuzz_parsers_LDADD = vmm/libecivm-core.a wire/libwire.a $(GLIB_LIBS) $(JSON_LIBS) $(CRYPTO_LIBS)
EXTRA_DIST += tests/fuzz/replay-parsers.sh tests/fuzz/corpus/settings tests/fuzz/corpus/attest tests/fuzz/corpus/http \
	tests/fuzz/gen-http-corpus.py

FUZZ_PARSER_TARGETS = api-request http settings manifest attest eventlog guest-cmdline
# FUZZ_SECONDS per target (default 60); clang with libFuzzer from Debian.
fuzz-parsers: vmm/libecivm-core.a
	@command -v clang >/dev/null || apt-get install -y --no-install-recommends clang libclang-rt-14-dev
	$(MKDIR_P) tests/out/fuzz-parsers
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DECIVM_LIBFUZZER $(WARN_CFLAGS) \
	  -Wno-unused-variable -I$(top_builddir) \
	  -include config.h -I$(top_srcdir) -I$(top_srcdir)/wire -I$(top_srcdir)/vmm $(GLIB_CFLAGS) $(JSON_CFLAGS) \
	  -DFUZZ_GOLDEN_DIR=\"$(abs_top_srcdir)/tests/unit/golden\" \
	  $(top_srcdir)/tests/fuzz/fuzz-parsers.c $(top_srcdir)/guest/init/cmdline.c $(top_srcdir)/wire/wire.c \
	  $(top_srcdir)/wire/contract.c \
	  $(addprefix $(top_srcdir)/,$(filter %.c,$(vmm_libecivm_core_a_SOURCES))) \
	  $(GLIB_LIBS) $(JSON_LIBS) $(CRYPTO_LIBS) $(LIBVIRT_LIBS) $(UUID_LIBS) -o tests/out/fuzz-parsers/fuzz-parsers
	@for t in $(FUZZ_PARSER_TARGETS); do \
	  echo "[fuzz] $$t for $${FUZZ_SECONDS:-60} s"; \
	  mkdir -p tests/out/fuzz-parsers/$$t; \
	  ECIVM_FUZZ_TARGET=$$t tests/out/fuzz-parsers/fuzz-parsers -max_total_time=$${FUZZ_SECONDS:-60} \
	    -artifact_prefix=tests/out/fuzz-parsers/$$t- tests/out/fuzz-parsers/$$t || exit 1; \
	done
.PHONY: fuzz-parsers
# --- end parser fuzz targets ---

# --- guest fuzz targets (issue 7): ECI policy, init's control port ---
# make check replays their corpora (tests/fuzz/replay-guest.sh); `make
# fuzz-guest` builds the libFuzzer flavour and fuzzes each for FUZZ_SECONDS.
check_PROGRAMS += tests/fuzz/fuzz-guest
TESTS += tests/fuzz/replay-guest.sh
tests_fuzz_fuzz_guest_SOURCES = tests/fuzz/fuzz-guest.c guest/runc/policy.c guest/runc/policy.h guest/runc/mount-sources.c guest/runc/mount-sources.h \
	guest/init/control.c guest/init/control.h guest/init/util.c guest/init/util.h
tests_fuzz_fuzz_guest_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) \
	-I$(top_srcdir) -I$(top_srcdir)/wire -I$(top_srcdir)/guest/init
tests_fuzz_fuzz_guest_LDADD = wire/libwire.a $(JSON_LIBS) $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/replay-guest.sh tests/fuzz/corpus/runc-policy tests/fuzz/corpus/guest-control
tests/fuzz/replay-guest.log: tests/fuzz/fuzz-guest$(EXEEXT)

FUZZ_GUEST_TARGETS = runc-policy guest-control
fuzz-guest:
	@command -v clang >/dev/null || apt-get install -y --no-install-recommends clang libclang-rt-14-dev
	$(MKDIR_P) tests/out/fuzz-guest
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DECIVM_LIBFUZZER $(WARN_CFLAGS) \
	  -Wno-unused-variable -I$(top_builddir) -I$(top_srcdir) -I$(top_srcdir)/wire -I$(top_srcdir)/guest/init \
	  $(GLIB_CFLAGS) $(JSON_CFLAGS) $(top_srcdir)/tests/fuzz/fuzz-guest.c $(top_srcdir)/guest/runc/policy.c $(top_srcdir)/guest/runc/mount-sources.c \
	  $(top_srcdir)/guest/init/control.c $(top_srcdir)/guest/init/util.c $(top_srcdir)/wire/wire.c \
	  $(JSON_LIBS) $(GLIB_LIBS) -o tests/out/fuzz-guest/fuzz-guest
	@for t in $(FUZZ_GUEST_TARGETS); do \
	  echo "[fuzz] $$t for $${FUZZ_SECONDS:-60} s"; \
	  top_srcdir=$(abs_top_srcdir) $(top_srcdir)/tests/fuzz/fuzz-one.sh $$t $${FUZZ_SECONDS:-60} || exit 1; \
	done
.PHONY: fuzz-guest
EXTRA_DIST += tests/fuzz/fuzz-one.sh tests/fuzz/fuzz-queue.sh
# --- end guest fuzz targets ---
