dnl TALK_REQUIRE_PKG(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGE)
dnl Like PKG_CHECK_MODULES, but a failure tells the admin which package to install.
AC_DEFUN([TALK_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found by pkg-config: install the Debian package $3 (apt-get install $3)])])
])

dnl libev ships no pkg-config file on Debian 12, so probe header and library directly.
AC_DEFUN([TALK_REQUIRE_LIBEV], [
  PKG_CHECK_MODULES([LIBEV], [libev >= 4.31], [], [
    AC_CHECK_HEADER([ev.h], [], [AC_MSG_ERROR([ev.h not found: install the Debian package libev-dev])])
    AC_CHECK_LIB([ev], [ev_loop_new], [LIBEV_LIBS="-lev"],
      [AC_MSG_ERROR([libev not found: install the Debian package libev-dev])])
    LIBEV_CFLAGS=""
  ])
  AC_SUBST([LIBEV_CFLAGS])
  AC_SUBST([LIBEV_LIBS])
])
