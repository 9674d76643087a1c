# vmm fragment

# --- pure builders (vmm/libecivm-core.a) ---
# Pure builders and parsers the daemon and CLI are made of (plus the small
# digest/cache file helpers).  No main loop, no process spawning.
noinst_LIBRARIES += vmm/libecivm-core.a
vmm_libecivm_core_a_SOURCES = \
	vmm/error.c vmm/error.h \
	vmm/cmdline.c vmm/cmdline.h \
	vmm/launch-plan.c vmm/launch-plan.h \
	vmm/qemu-argv.c vmm/qemu-argv.h \
	vmm/accel.c vmm/accel.h \
	vmm/manifest.c vmm/manifest.h \
	vmm/digest.c vmm/digest.h \
	vmm/sign.c vmm/sign.h \
	vmm/eventlog.c vmm/eventlog.h \
	vmm/user-input.c vmm/user-input.h
# settings, dockerd options policy, Engine API filter (issue 4)
vmm_libecivm_core_a_SOURCES += vmm/settings.c vmm/settings.h vmm/daemon-options.c vmm/daemon-options.h \
	vmm/settings-guest.c vmm/settings-guest.h vmm/security-report.c vmm/security-report.h \
	vmm/http-parse.c vmm/http-parse.h vmm/api-filter.c vmm/api-filter.h vmm/api-body.c vmm/api-body.h
vmm_libecivm_core_a_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) $(CRYPTO_CFLAGS)
# --- end pure builders ---

# --- daemon and CLI (lead) ---
# Pure pieces that unit tests also link: the service protocol and state machine.
vmm_libecivm_core_a_SOURCES += vmm/api-proto.c vmm/api-proto.h vmm/api-admit.c vmm/api-admit.h \
	vmm/vm-state.c vmm/vm-state.h \
	vmm/backoff.c vmm/backoff.h vmm/logs.c vmm/logs.h vmm/proc-stat.c vmm/proc-stat.h

ECIVM_HOST_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) $(CRYPTO_CFLAGS)
ECIVM_HOST_LIBS = vmm/libecivm-core.a wire/libwire.a $(GLIB_LIBS) $(JSON_LIBS) $(CRYPTO_LIBS)

sbin_PROGRAMS += vmm/ecivmd
vmm_ecivmd_SOURCES = vmm/ecivmd.c vmm/log-cap.c vmm/log-cap.h \
	vmm/vm.c vmm/vm.h vmm/vm-priv.h vmm/vm-launch.c vmm/vm-probe.c vmm/vm-guest.c \
	vmm/measure.c vmm/measure.h vmm/mux-source.c vmm/mux-source.h \
	vmm/docker-socket.c vmm/docker-socket.h vmm/api-server.c vmm/api-server.h \
	vmm/docker-proxy.c vmm/docker-proxy.h vmm/vm-settings.c vmm/vm-settings.h vmm/host-perms.c vmm/host-perms.h
vmm_ecivmd_CFLAGS = $(ECIVM_HOST_CFLAGS)
# No libcrypto in the daemon: its digests and signatures run in ecivm-crypto
# (crypto-helper.h).
vmm_ecivmd_SOURCES += vmm/crypto-helper.c vmm/crypto-helper.h vmm/self-path.c vmm/self-path.h \
	vmm/child.c vmm/child.h
vmm_ecivmd_LDADD = vmm/libecivm-core.a wire/libwire.a $(GLIB_LIBS) $(JSON_LIBS)
pkglibexec_PROGRAMS += vmm/ecivm-crypto
vmm_ecivm_crypto_SOURCES = vmm/ecivm-crypto.c vmm/crypto-helper.h
vmm_ecivm_crypto_CFLAGS = $(ECIVM_HOST_CFLAGS)
vmm_ecivm_crypto_LDADD = $(ECIVM_HOST_LIBS)

bin_PROGRAMS += vmm/ecivm
vmm_ecivm_SOURCES = vmm/ecivm.c vmm/cli.h vmm/cli-client.c vmm/cli-up.c vmm/cli-down.c vmm/cli-status.c \
	vmm/cli-manifest.c vmm/cli-restart.c vmm/cli-events.c vmm/cli-logs.c \
	vmm/cli-keygen.c vmm/cli-attest.c vmm/cli-verify.c vmm/cli-settings.c \
	vmm/cli-security-report.c vmm/docker-client.c vmm/docker-client.h
vmm_ecivm_CFLAGS = $(ECIVM_HOST_CFLAGS)
vmm_ecivm_LDADD = $(ECIVM_HOST_LIBS)
# --- end daemon and CLI ---

# --- libvirt (domain XML, backend) ---
# The pure domain XML builder joins the core library (unit-tested against
# golden files); the libvirt C API backend is linked into ecivmd only.
vmm_libecivm_core_a_SOURCES += vmm/domain-xml.c vmm/domain-xml.h
# ecivm export-libvirt measures the images the way ecivmd does.
vmm_ecivm_SOURCES += vmm/cli-export-libvirt.c vmm/domain-spec.c vmm/domain-spec.h vmm/measure.c vmm/measure.h
# ecivmd --backend=libvirt: the libvirt C API on ecivmd's GLib main loop, in
# a module ecivmd loads only for that backend (libvirt-module.h), so the
# QEMU backend's daemon does not map libvirt's dependency closure.
vmm_ecivmd_SOURCES += vmm/vm-libvirt.c vmm/libvirt-module.c vmm/libvirt-module.h vmm/backend-libvirt.h \
	vmm/domain-spec.c vmm/domain-spec.h
vmm_ecivmd_CFLAGS += $(GMODULE_CFLAGS)
vmm_ecivmd_LDADD += $(GMODULE_LIBS)
ecivmmoddir = $(pkglibdir)
ecivmmod_PROGRAMS = vmm/ecivm-libvirt.so
vmm_ecivm_libvirt_so_SOURCES = vmm/backend-libvirt.c vmm/backend-libvirt.h vmm/libvirt-module.h \
	vmm/libvirt-channel.c vmm/libvirt-channel.h vmm/libvirt-event.c vmm/libvirt-event.h \
	vmm/domain-xml.c vmm/domain-xml.h vmm/error.c vmm/error.h
vmm_ecivm_libvirt_so_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(LIBVIRT_CFLAGS) \
	-fPIC -fvisibility=hidden
vmm_ecivm_libvirt_so_LDFLAGS = $(AM_LDFLAGS) -shared
vmm_ecivm_libvirt_so_LDADD = $(GLIB_LIBS) $(LIBVIRT_LIBS)
# --- end libvirt ---

# --- attestation (issue 5) ---
# Pure: evidence parsing, document payload/envelope, offline verifier.
vmm_libecivm_core_a_SOURCES += vmm/attest.c vmm/attest.h vmm/attest-evidence.c vmm/attest-verify.c \
	vmm/attest-verify.h
# ecivmd: asks the guest for evidence and signs the document.
vmm_ecivmd_SOURCES += vmm/vm-attest.c
vmm_ecivmd_CFLAGS += $(UUID_CFLAGS)
vmm_ecivmd_LDADD += $(UUID_LIBS)
# --- end attestation ---
