# libtalk-signaling-backend: talking to Nextcloud (HTTP client, checksums, JWT, backend API parsing) (fragment filled by its component)
noinst_LIBRARIES += src/signaling/backend/libtalk-signaling-backend.a

src_signaling_backend_libtalk_signaling_backend_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS)
src_signaling_backend_libtalk_signaling_backend_a_SOURCES = \
	src/signaling/backend/Result.hpp \
	src/signaling/backend/Checksum.cpp src/signaling/backend/Checksum.hpp \
	src/signaling/backend/Throttler.cpp src/signaling/backend/Throttler.hpp \
	src/signaling/backend/BackendRegistry.cpp src/signaling/backend/BackendRegistry.hpp \
	src/signaling/backend/Jwt.cpp src/signaling/backend/Jwt.hpp \
	src/signaling/backend/Ocs.cpp src/signaling/backend/Ocs.hpp \
	src/signaling/backend/BackendApi.cpp src/signaling/backend/BackendApi.hpp \
	src/signaling/backend/Capabilities.cpp src/signaling/backend/Capabilities.hpp \
	src/signaling/backend/NextcloudClient.cpp src/signaling/backend/NextcloudClient.hpp \
	src/signaling/backend/HelloTokenAuthenticator.cpp src/signaling/backend/HelloTokenAuthenticator.hpp

# What a program linking libtalk-signaling-backend needs (it also needs libtalk-common).
TALK_SIGNALING_BACKEND_LIBS = src/signaling/backend/libtalk-signaling-backend.a $(TALK_COMMON_LIBS) \
	$(TALK_HTTP_CLIENT_LIBS) $(JSON_LIBS)
