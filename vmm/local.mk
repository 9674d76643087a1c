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
	vmm/digest.c vmm/digest.h
vmm_libecivm_core_a_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) $(CRYPTO_CFLAGS)
# --- end pure builders ---

# --- daemon and CLI (lead) ---
# Pure pieces that unit tests also link: the service protocol and state machine.
vmm_libecivm_core_a_SOURCES += vmm/api-proto.c vmm/api-proto.h vmm/vm-state.c vmm/vm-state.h

ECIVM_HOST_CFLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS) $(CRYPTO_CFLAGS)
ECIVM_HOST_LIBS = vmm/libecivm-core.a wire/libwire.a $(GLIB_LIBS) $(JSON_LIBS) $(CRYPTO_LIBS)

sbin_PROGRAMS += vmm/ecivmd
vmm_ecivmd_SOURCES = vmm/ecivmd.c \
	vmm/vm.c vmm/vm.h vmm/vm-priv.h vmm/vm-launch.c vmm/vm-probe.c vmm/vm-guest.c \
	vmm/measure.c vmm/measure.h vmm/mux-source.c vmm/mux-source.h \
	vmm/docker-socket.c vmm/docker-socket.h vmm/api-server.c vmm/api-server.h
vmm_ecivmd_CFLAGS = $(ECIVM_HOST_CFLAGS)
vmm_ecivmd_LDADD = $(ECIVM_HOST_LIBS)

bin_PROGRAMS += vmm/ecivm
vmm_ecivm_SOURCES = vmm/ecivm.c vmm/cli.h vmm/cli-client.c vmm/cli-up.c vmm/cli-down.c vmm/cli-status.c \
	vmm/cli-manifest.c
vmm_ecivm_CFLAGS = $(ECIVM_HOST_CFLAGS)
vmm_ecivm_LDADD = $(ECIVM_HOST_LIBS)
# --- end daemon and CLI ---
