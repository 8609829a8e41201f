# Test fragments: the shared CppUnit main, one runner per library, integration, fuzz.
noinst_LIBRARIES += tests/unit/libtalk-testmain.a
tests_unit_libtalk_testmain_a_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS)
tests_unit_libtalk_testmain_a_SOURCES = tests/unit/TestMain.cpp
TEST_MAIN_LIBS = tests/unit/libtalk-testmain.a $(CPPUNIT_LIBS)

include tests/unit/common/Makefile.mk
include tests/unit/nats/Makefile.mk
include tests/unit/turn/Makefile.mk
include tests/unit/rtc/Makefile.mk
include tests/unit/sfu/Makefile.mk
include tests/unit/signaling/Makefile.mk
include tests/backend/Makefile.mk
include tests/integration/Makefile.mk
include tests/fuzz/Makefile.mk
