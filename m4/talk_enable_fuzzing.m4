dnl --enable-fuzzing: build the libFuzzer targets in tests/fuzz (needs clang++).
AC_DEFUN([TALK_ENABLE_FUZZING], [
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build libFuzzer targets (configure with CXX=clang++)])],
    [], [enable_fuzzing=no])
  AS_IF([test "x$enable_fuzzing" = "xyes"], [
    AC_MSG_CHECKING([whether $CXX supports -fsanitize=fuzzer])
    save_CXXFLAGS=$CXXFLAGS; CXXFLAGS="$CXXFLAGS -fsanitize=fuzzer"
    AC_LINK_IFELSE([AC_LANG_SOURCE([[
      #include <cstddef>
      #include <cstdint>
      extern "C" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }]])],
      [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no]); AC_MSG_ERROR([--enable-fuzzing needs clang++ with libFuzzer (apt-get install clang)])])
    CXXFLAGS=$save_CXXFLAGS
    TALK_CXXFLAGS="$TALK_CXXFLAGS -fsanitize=fuzzer-no-link,address,undefined"
  ])
  AM_CONDITIONAL([FUZZING], [test "x$enable_fuzzing" = "xyes"])
])
