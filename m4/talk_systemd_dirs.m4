dnl Unit, tmpfiles and sysusers directories from systemd.pc, overridable.
dnl Bookworm's systemd.pc says /lib/systemd/system: the only place its dh_installsystemd looks.
AC_DEFUN([TALK_SYSTEMD_DIRS], [
  AC_ARG_WITH([systemdsystemunitdir],
    [AS_HELP_STRING([--with-systemdsystemunitdir=DIR], [systemd unit directory])], [],
    [PKG_CHECK_VAR([with_systemdsystemunitdir], [systemd], [systemdsystemunitdir], [],
      [with_systemdsystemunitdir=/lib/systemd/system])])
  AC_SUBST([systemdsystemunitdir], [$with_systemdsystemunitdir])
  AC_ARG_WITH([tmpfilesdir],
    [AS_HELP_STRING([--with-tmpfilesdir=DIR], [tmpfiles.d directory])], [],
    [PKG_CHECK_VAR([with_tmpfilesdir], [systemd], [tmpfilesdir], [],
      [with_tmpfilesdir=/usr/lib/tmpfiles.d])])
  AC_SUBST([tmpfilesdir], [$with_tmpfilesdir])
])
