# Man pages: man/<name>.<section>.rst -> man/<name>.<section>. Placeholders
# (@pkgsysconfdir@, @sbindir@, @VERSION@, ...) are replaced with $(do_subst) first, then
# rst2man (python3-docutils) renders the page. The pages are in dist_man_MANS, so a release
# tarball needs no rst2man, and automake installs each one into man<section>.
#
# One line per page; add a page here once its .rst is in git:
talk_man_pages =
talk_man_pages += man/talk.cfg.5
talk_man_pages += man/talk-nats.1
talk_man_pages += man/talk-turn.8
talk_man_pages += man/talk-signaling.8
talk_man_pages += man/talk-sfu.8

dist_man_MANS += $(talk_man_pages)
EXTRA_DIST += $(talk_man_pages:=.rst)

RST2MAN = rst2man
man_verbose = $(man_verbose_@AM_V@)
man_verbose_ = $(man_verbose_@AM_DEFAULT_V@)
man_verbose_0 = @echo "  RST2MAN  $@";

# --exit-status=2: a warning in the .rst (bad markup) fails the build instead of
# producing a silently broken page.
talk_render_man = $(MKDIR_P) $(@D) && $(do_subst) <$< >$@.rst.tmp && \
	$(RST2MAN) --exit-status=2 $@.rst.tmp >$@.tmp && rm -f $@.rst.tmp && mv -f $@.tmp $@
man/%.1: man/%.1.rst
	$(man_verbose)$(talk_render_man)
man/%.5: man/%.5.rst
	$(man_verbose)$(talk_render_man)
man/%.8: man/%.8.rst
	$(man_verbose)$(talk_render_man)
