// sfu.cfg: defaults, secret and token files, cross-key checks with file:line: key messages.
#include "../common/TempDir.hpp"
#include "common/config/Settings.hpp"
#include "common/util/Error.hpp"
#include "sfu/SfuSettings.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::sfu;

class SfuSettingsTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SfuSettingsTest);
  CPPUNIT_TEST(defaults);
  CPPUNIT_TEST(secretAndTokens);
  CPPUNIT_TEST(emptyTokenListIsAnError);
  CPPUNIT_TEST(queueSmallerThanMessageIsAnError);
  CPPUNIT_TEST(badListenNamesTheKey);
  CPPUNIT_TEST(limits);
  CPPUNIT_TEST_SUITE_END();

public:
  void setUp() override { describeSfuSettings(d_schema); }

  config::Settings load(const std::string& text) { return config::loadSettings(d_schema, d_dir.write("sfu.cfg", text)); }

  static std::string errorOf(const std::function<void()>& fn)
  {
    try {
      fn();
    }
    catch (const ConfigError& e) {
      return e.what();
    }
    return {};
  }

  void defaults()
  {
    config::Settings settings(d_schema, "sfu.cfg");
    SfuConfig config = parseSfuConfig(settings);
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:8188"), config.listen);
    CPPUNIT_ASSERT(config.maxMessageBytes >= 256 * 1024);
    SfuRuntime runtime = parseSfuRuntime(settings, "1.2.3");
    CPPUNIT_ASSERT(runtime.api.apiSecret.empty());
    CPPUNIT_ASSERT(runtime.api.tokens.empty());
    CPPUNIT_ASSERT_EQUAL(int64_t{60}, runtime.api.sessionTimeoutSeconds);
    CPPUNIT_ASSERT_EQUAL(std::string("1.2.3"), runtime.api.versionString);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0}, runtime.limits.maxStreams);
  }

  void secretAndTokens()
  {
    const std::string secret = d_dir.write("api-secret", "s3cret\n");
    const std::string tokens = d_dir.write("tokens", "# accepted tokens\nalpha\n  beta  \r\n\n# gamma\n");
    SfuRuntime runtime = parseSfuRuntime(
      load("janus: { api_secret_file = \"" + secret + "\"; tokens_file = \"" + tokens + "\"; session_timeout = 0; };\n"), "");
    CPPUNIT_ASSERT_EQUAL(std::string("s3cret"), runtime.api.apiSecret);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, runtime.api.tokens.size());
    CPPUNIT_ASSERT_EQUAL(std::string("alpha"), runtime.api.tokens[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("beta"), runtime.api.tokens[1]);
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, runtime.api.sessionTimeoutSeconds);
    const std::string missing = errorOf([&] { parseSfuRuntime(load("janus: { api_secret_file = \"/nonexistent/x\"; };\n"), ""); });
    CPPUNIT_ASSERT_MESSAGE(missing, missing.find("janus.api_secret_file") != std::string::npos);
  }

  void emptyTokenListIsAnError()
  {
    const std::string tokens = d_dir.write("tokens", "# nothing here\n");
    const std::string error = errorOf([&] { parseSfuRuntime(load("janus:\n{\n  tokens_file = \"" + tokens + "\";\n};\n"), ""); });
    CPPUNIT_ASSERT_MESSAGE(error, error.find("sfu.cfg:3") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(error, error.find("janus.tokens_file") != std::string::npos);
  }

  void queueSmallerThanMessageIsAnError()
  {
    const std::string error = errorOf([&] { parseSfuConfig(load("janus: { max_message_size = 2097152; max_queued_bytes = 1048576; };\n")); });
    CPPUNIT_ASSERT_MESSAGE(error, error.find("sfu.cfg:1") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(error, error.find("janus.max_queued_bytes") != std::string::npos);
    const std::string small = errorOf([&] { load("janus: { max_message_size = 1000; };\n"); });
    CPPUNIT_ASSERT_MESSAGE(small, small.find("janus.max_message_size") != std::string::npos);
  }

  void badListenNamesTheKey()
  {
    const std::string error = errorOf([&] { parseSfuConfig(load("janus: { listen = \"localhost\"; };\n")); });
    CPPUNIT_ASSERT_MESSAGE(error, error.find("sfu.cfg:1") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(error, error.find("janus.listen") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("[::1]:9000"), parseSfuConfig(load("janus: { listen = \"[::1]:9000\"; };\n")).listen);
  }

  void limits()
  {
    SfuRuntime runtime = parseSfuRuntime(
      load("limits: { max_rooms = 5; max_subscribers_per_room = 6; max_streams = 7; max_bitrate = 8; default_bitrate = 9; };\n"), "");
    CPPUNIT_ASSERT_EQUAL(uint32_t{5}, runtime.limits.maxRooms);
    CPPUNIT_ASSERT_EQUAL(uint32_t{6}, runtime.limits.maxSubscribersPerRoom);
    CPPUNIT_ASSERT_EQUAL(uint32_t{7}, runtime.limits.maxStreams);
    CPPUNIT_ASSERT_EQUAL(uint32_t{8}, runtime.limits.maxBitrate);
    CPPUNIT_ASSERT_EQUAL(uint32_t{9}, runtime.limits.defaultBitrate);
    const std::string unknown = errorOf([&] { load("limits: { max_roomz = 5; };\n"); });
    CPPUNIT_ASSERT_MESSAGE(unknown, unknown.find("max_roomz") != std::string::npos);
  }

private:
  test::TempDir d_dir;
  config::Schema d_schema;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SfuSettingsTest);
