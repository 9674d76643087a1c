# configs: what an admin or a distribution installs beside the binaries.
ECIVM_CONFIG_SUBST = sed -e 's|@SBINDIR@|$(sbindir)|g' -e 's|@RUNDIR@|/run/ecivm|g' \
	-e 's|@STATEDIR@|$(localstatedir)/lib/ecivm|g' -e 's|@IMAGEDIR@|$(pkgdatadir)/images|g' \
	-e 's|@DOCDIR@|$(docdir)|g'

configs/ecivmd.service: configs/ecivmd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) configs && $(ECIVM_CONFIG_SUBST) $(srcdir)/configs/ecivmd.service.in >$@
configs/ecivm.tmpfiles: configs/ecivm.tmpfiles.in Makefile
	$(AM_V_GEN)$(MKDIR_P) configs && $(ECIVM_CONFIG_SUBST) $(srcdir)/configs/ecivm.tmpfiles.in >$@

systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = configs/ecivmd.service
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = configs/ecivm.sysusers
tmpfilesdir = $(prefix)/lib/tmpfiles.d
tmpfiles_DATA = configs/ecivm.tmpfiles
CLEANFILES += configs/ecivmd.service configs/ecivm.tmpfiles
EXTRA_DIST += configs/ecivmd.service.in configs/ecivm.tmpfiles.in configs/ecivm.sysusers
