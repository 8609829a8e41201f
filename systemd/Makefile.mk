# systemd units: systemd/<name>.service.in -> systemd/<name>.service with $(do_subst)
# (paths are only fully expanded at make time), installed into $(systemdsystemunitdir),
# which configure takes from systemd.pc (/lib/systemd/system on bookworm, the only place
# bookworm's dh_installsystemd looks). scripts/unit-security.sh checks the generated units.
#
# One line per unit; add a unit here once its .in file is in git:
talk_units =
talk_units += systemd/talk-turn.service
talk_units += systemd/talk-signaling.service
talk_units += systemd/talk-sfu.service

nodist_systemdsystemunit_DATA += $(talk_units)
EXTRA_DIST += $(talk_units:=.in)
CLEANFILES += $(talk_units)

unit_verbose = $(unit_verbose_@AM_V@)
unit_verbose_ = $(unit_verbose_@AM_DEFAULT_V@)
unit_verbose_0 = @echo "  SUBST    $@";

systemd/%.service: systemd/%.service.in Makefile
	$(unit_verbose)$(MKDIR_P) $(@D) && $(do_subst) <$< >$@.tmp && mv -f $@.tmp $@
