dnl --enable-werror: turn every warning into an error (CI uses it).
AC_DEFUN([TALK_ENABLE_WERROR], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  AS_IF([test "x$enable_werror" = "xyes"], [TALK_CXXFLAGS="$TALK_CXXFLAGS -Werror"])
])
