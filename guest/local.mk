# guest fragment

# --- ecivm-agent (lead) ---
pkglibexec_PROGRAMS += guest/ecivm-agent
guest_ecivm_agent_SOURCES = guest/agent/agent.c guest/agent/pollset.c guest/agent/pollset.h \
	guest/agent/engine-peer.c guest/agent/engine-peer.h guest/engine-grant.h $(WIRE_SOURCES)
guest_ecivm_agent_CFLAGS = $(WARN_CFLAGS)
guest_ecivm_agent_LDFLAGS = -static
# --- end ecivm-agent ---

# --- ecivm-init (guest PID 1) ---
pkglibexec_PROGRAMS += guest/ecivm-init
guest_ecivm_init_SOURCES = \
	guest/init/main.c guest/init/init.h \
	guest/init/cmdline.c guest/init/cmdline.h \
	guest/init/control.c guest/init/control.h \
	guest/init/daemon-json.c guest/init/daemon-json.h \
	guest/init/log.c guest/init/log.h \
	guest/init/loop.c \
	guest/init/modules.c guest/init/modules.h \
	guest/init/mounts.c guest/init/mounts.h \
	guest/init/ping.c guest/init/ping.h \
	guest/init/ports.c guest/init/ports.h \
	guest/init/power.c \
	guest/init/requests.c \
	guest/init/services.c guest/init/services.h \
	guest/init/switch-root.c guest/init/switch-root.h \
	guest/init/util.c guest/init/util.h \
	guest/init/verity.c guest/init/verity.h \
	guest/init/evidence.c guest/init/evidence.h \
	guest/init/settings.c guest/init/settings.h \
	guest/init/harden.c \
	guest/init/memory.c \
	$(WIRE_SOURCES)
# No sanitizers: a static PID 1.
guest_ecivm_init_CFLAGS = $(WARN_CFLAGS)
guest_ecivm_init_LDFLAGS = -static
# --- end ecivm-init ---

# --- ecivm-runc (ECI runtime: the guest's `runc`) ---
# Installed in the root image as /usr/sbin/runc; the real runc is hidden at
# /usr/libexec/ecivm/runc (images/build.sh --runc-shim).  Dynamic: GLib and
# json-glib are in the root.  No sanitizers (it goes in the image).
ECIVM_RUNC_CORE = \
	guest/runc/mount-sources.c guest/runc/mount-sources.h \
	guest/runc/policy.c guest/runc/policy.h \
	guest/runc/idalloc.c guest/runc/idalloc.h
pkglibexec_PROGRAMS += guest/ecivm-runc
guest_ecivm_runc_SOURCES = guest/runc/main.c \
	guest/runc/allowlist.c guest/runc/allowlist.h \
	guest/runc/facts.c guest/runc/facts.h \
	guest/runc/rootfs.c guest/runc/rootfs.h \
	guest/runc/mountinfo.c guest/runc/mountinfo.h \
	guest/runc/grant.c guest/runc/grant.h guest/engine-grant.h \
	$(ECIVM_RUNC_CORE)
guest_ecivm_runc_CFLAGS = $(WARN_CFLAGS) $(GLIB_CFLAGS) $(JSON_CFLAGS)
guest_ecivm_runc_LDFLAGS =
guest_ecivm_runc_LDADD = $(JSON_LIBS) $(GLIB_LIBS)
# --- end ecivm-runc ---

# --- ecivm-procfs (the containers' /proc/diskstats, FUSE) ---
# Dynamic: libfuse3 is in the root (lxcfs needs it too).
pkglibexec_PROGRAMS += guest/ecivm-procfs
guest_ecivm_procfs_SOURCES = guest/procfs/main.c guest/procfs/diskstats.c guest/procfs/diskstats.h
guest_ecivm_procfs_CFLAGS = $(WARN_CFLAGS) $(FUSE_CFLAGS)
guest_ecivm_procfs_LDADD = $(FUSE_LIBS)
# The same program with the host's libfuse3.a linked in, for a guest suite
# whose libfuse3 has another soname (trixie: libfuse3.so.4, the host's
# bookworm build links libfuse3.so.3); `make images SUITE=…` other than
# bookworm uses it.  Built only on demand.
EXTRA_PROGRAMS = guest/ecivm-procfs-fuse-static
guest_ecivm_procfs_fuse_static_SOURCES = $(guest_ecivm_procfs_SOURCES)
guest_ecivm_procfs_fuse_static_CFLAGS = $(WARN_CFLAGS) $(FUSE_CFLAGS)
guest_ecivm_procfs_fuse_static_LDADD = $(FUSE_STATIC_LIBS)
CLEANFILES += guest/ecivm-procfs-fuse-static
# --- end ecivm-procfs ---
