# images fragment: the guest kernel, initramfs, root image and the busybox
# container tarball, built from Debian packages (suite: images/suite) by images/build.sh
# (see images/README.md).  Not part of `all`: run `make images`.
#
# images/out and images/cache (downloaded .debs, unpacked trees) live in the
# build tree and survive `make clean` and `make distclean`; `make
# images-clean` removes the outputs and the unpacked trees but keeps the
# downloaded packages.

EXTRA_DIST += \
	images/build.sh \
	images/modules.txt \
	images/root-packages.txt \
	images/root-drop.txt \
	images/suite \
	images/suites/trixie/root-packages.txt \
	images/README.md

# `make images SUITE=trixie` builds from another Debian suite than the one
# pinned in images/suite, into images/out-SUITE (so images/out stays what
# users boot).
SUITE =
IMAGES_SUITE_OPT = $(if $(SUITE),--suite $(SUITE))
IMAGES_OUT = $(abs_top_builddir)/images/out$(if $(SUITE),-$(SUITE))
IMAGES_CACHE = $(abs_top_builddir)/images/cache
# ecivm-procfs links libfuse3.so.3 (the host's and bookworm's soname); other
# suites get the copy with libfuse3 linked in.
IMAGES_PROCFS = $(if $(filter-out bookworm,$(SUITE)),guest/ecivm-procfs-fuse-static,guest/ecivm-procfs)

.PHONY: images images-clean

# build.sh is fast when nothing changed (stamps), so `images` always runs it;
# the manifest is then written by this build's own ecivm, with the kernel
# command line it builds.
# The image signing key is made on the first build and kept in
# images/keys (0700; image.key 0600, never in images/out); ecivm from this
# build tree trusts images/keys/image.pub by default.
IMAGES_KEYS = $(abs_top_builddir)/images/keys

images: guest/ecivm-init guest/ecivm-agent guest/ecivm-runc $(IMAGES_PROCFS) vmm/ecivm
	$(srcdir)/images/build.sh --out $(IMAGES_OUT) --cache $(IMAGES_CACHE) $(IMAGES_SUITE_OPT) \
	  --init guest/ecivm-init --agent guest/ecivm-agent --runc-shim guest/ecivm-runc --procfs $(IMAGES_PROCFS)
	vmm/ecivm keygen --if-missing --out $(IMAGES_KEYS) --name image
	vmm/ecivm manifest --sign-key $(IMAGES_KEYS)/image.key $(IMAGES_OUT)

images/out/manifest.json: guest/ecivm-init guest/ecivm-agent guest/ecivm-runc $(IMAGES_PROCFS) vmm/ecivm
	$(MAKE) $(AM_MAKEFLAGS) images

images-clean:
	rm -rf $(IMAGES_OUT) $(IMAGES_CACHE)/suites/*/trees $(IMAGES_CACHE)/suites/*/resolved.txt \
	  $(IMAGES_CACHE)/trees $(IMAGES_CACHE)/resolved.txt $(IMAGES_CACHE)/tmp.*

# --- ecivm-runc test image ---
# images/out-test: the same image plus the real runc as dockerd runtime
# "plain-runc" (build.sh --test-runtime), so tests/integration/eci-plain.sh can
# show each escape works without ecivm-runc.  Never the image users boot.
IMAGES_TEST_OUT = $(abs_top_builddir)/images/out-test$(if $(SUITE),-$(SUITE))
.PHONY: images-test
images-test: guest/ecivm-init guest/ecivm-agent guest/ecivm-runc $(IMAGES_PROCFS) vmm/ecivm
	$(srcdir)/images/build.sh --out $(IMAGES_TEST_OUT) --cache $(IMAGES_CACHE) $(IMAGES_SUITE_OPT) \
	  --init guest/ecivm-init --agent guest/ecivm-agent --runc-shim guest/ecivm-runc --procfs $(IMAGES_PROCFS) --test-runtime
	vmm/ecivm keygen --if-missing --out $(IMAGES_KEYS) --name image
	vmm/ecivm manifest --sign-key $(IMAGES_KEYS)/image.key $(IMAGES_TEST_OUT)

images/out-test/manifest.json: guest/ecivm-init guest/ecivm-agent guest/ecivm-runc $(IMAGES_PROCFS) vmm/ecivm
	$(MAKE) $(AM_MAKEFLAGS) images-test
# --- end ecivm-runc test image ---
