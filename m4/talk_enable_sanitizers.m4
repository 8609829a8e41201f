dnl --enable-sanitizers: AddressSanitizer + UndefinedBehaviorSanitizer for the whole build.
AC_DEFUN([TALK_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with ASan and UBSan (tests run under them)])],
    [], [enable_sanitizers=no])
  AS_IF([test "x$enable_sanitizers" = "xyes"], [
    TALK_CXXFLAGS="$TALK_CXXFLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    TALK_LDFLAGS="$TALK_LDFLAGS -fsanitize=address,undefined"
  ])
  AC_SUBST([TALK_LDFLAGS])
])
