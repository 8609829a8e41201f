# unit tests of libtalk-signaling and its backend library (fragment filled by its component)

# ---- talk-signaling core (sig-core): tests/unit/test-signaling ----
check_PROGRAMS += tests/unit/test-signaling
TESTS += tests/unit/test-signaling
tests_unit_test_signaling_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(LIBEV_CFLAGS) $(JSON_CFLAGS) $(NATS_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_signaling_SOURCES = \
	tests/unit/signaling/ClientAddressTest.cpp \
	tests/unit/signaling/HubFixture.hpp \
	tests/unit/signaling/HubTest.cpp \
	tests/unit/signaling/MessageCodecTest.cpp \
	tests/unit/signaling/SessionIdCodecTest.cpp
tests_unit_test_signaling_LDADD = $(TEST_MAIN_LIBS) $(TALK_SIGNALING_LIBS)
# ---- end of talk-signaling core block ----

# ---- libtalk-signaling-backend (owned by "sig-backend"): tests/unit/test-signaling-backend ----
check_PROGRAMS += tests/unit/test-signaling-backend
TESTS += tests/unit/test-signaling-backend
tests_unit_test_signaling_backend_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS) -I$(top_srcdir)/tests/unit/signaling/backend
tests_unit_test_signaling_backend_SOURCES = \
	tests/unit/signaling/backend/TestHttpServer.hpp \
	tests/unit/signaling/backend/ChecksumTest.cpp \
	tests/unit/signaling/backend/TestKeys.hpp \
	tests/unit/signaling/backend/TestTls.hpp \
	tests/unit/signaling/backend/HttpClientTest.cpp \
	tests/unit/signaling/backend/JwtTest.cpp \
	tests/unit/signaling/backend/ThrottlerTest.cpp \
	tests/unit/signaling/backend/BackendRegistryTest.cpp \
	tests/unit/signaling/backend/BackendApiTest.cpp \
	tests/unit/signaling/backend/FakeNextcloud.hpp \
	tests/unit/signaling/backend/NextcloudClientTest.cpp \
	tests/unit/signaling/backend/TurnCredentialsApiTest.cpp
tests_unit_test_signaling_backend_LDADD = $(TEST_MAIN_LIBS) $(TALK_SIGNALING_BACKEND_LIBS)
# ---- end of libtalk-signaling-backend tests ----
