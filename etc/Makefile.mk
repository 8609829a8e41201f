# Configuration files: etc/<name>.cfg (libconfig syntax) is installed as
# $(pkgsysconfdir)/<name>.cfg (/etc/talk with --sysconfdir=/etc). Paths in the files may be
# written as @pkgsysconfdir@ etc.; $(do_subst) expands them into etc/subst/<name>.cfg at
# make time (a separate folder, so in-tree builds never overwrite the source).
#
# One line per file; add a file here once it is in git:
talk_cfg_files =
talk_cfg_files += etc/talk.cfg
talk_cfg_files += etc/turn.cfg
talk_cfg_files += etc/signaling.cfg
talk_cfg_files += etc/sfu.cfg

nodist_pkgsysconf_DATA = $(talk_cfg_files:etc/%=etc/subst/%)
EXTRA_DIST += $(talk_cfg_files)
CLEANFILES += $(talk_cfg_files:etc/%=etc/subst/%)

cfg_verbose = $(cfg_verbose_@AM_V@)
cfg_verbose_ = $(cfg_verbose_@AM_DEFAULT_V@)
cfg_verbose_0 = @echo "  SUBST    $@";

etc/subst/%.cfg: etc/%.cfg Makefile
	$(cfg_verbose)$(MKDIR_P) $(@D) && $(do_subst) <$< >$@.tmp && mv -f $@.tmp $@
