// Backend configuration, URL normalisation and lookup (signaling-protocol.md §3.2, §13.1).
#include "signaling/backend/BackendRegistry.hpp"

#include "../../common/TempDir.hpp"
#include "common/util/Error.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::signaling::backend;
using talk::test::TempDir;

namespace {

std::string normal(const std::string& url)
{
  auto n = normalizeBackendUrl(url);
  return n ? n->url : std::string("<invalid>");
}

Backend backend(std::string id, std::vector<std::string> urls, std::string secret = "s")
{
  Backend b;
  b.id = std::move(id);
  b.urls = std::move(urls);
  b.secret = std::move(secret);
  return b;
}

std::string idOf(const std::shared_ptr<const Backend>& b)
{
  return b ? b->id : std::string("<none>");
}

config::Settings load(const TempDir& dir, const std::string& text)
{
  config::Schema schema;
  BackendRegistry::describeSettings(schema);
  static std::vector<std::unique_ptr<config::Schema>> keep; // Settings point into their Schema
  keep.push_back(std::make_unique<config::Schema>(std::move(schema)));
  return config::loadSettings(*keep.back(), dir.write("signaling.cfg", text));
}

}

class BackendRegistryTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(BackendRegistryTest);
  CPPUNIT_TEST(normalisation);
  CPPUNIT_TEST(lookupByHostAndPrefix);
  CPPUNIT_TEST(severalBackendsOnOneHost);
  CPPUNIT_TEST(allowAllCompat);
  CPPUNIT_TEST(httpNeedsAllowHttp);
  CPPUNIT_TEST(duplicateUrlRejected);
  CPPUNIT_TEST(fromSettings);
  CPPUNIT_TEST(fromSettingsErrors);
  CPPUNIT_TEST(snapshotsOutliveReload);
  CPPUNIT_TEST_SUITE_END();

public:
  void normalisation()
  {
    CPPUNIT_ASSERT_EQUAL(std::string("https://cloud.example.com/"), normal("https://cloud.example.com"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://cloud.example.com/"), normal("https://Cloud.Example.COM:443/"));
    CPPUNIT_ASSERT_EQUAL(std::string("http://cloud.example.com/"), normal("http://cloud.example.com:80"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://cloud.example.com:8443/nc/"), normal("https://cloud.example.com:8443/nc"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://cloud.example.com/nc/"),
                         normal("https://cloud.example.com/nc/ocs/v2.php/apps/spreed/api/v3/signaling/backend"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://cloud.example.com/"),
                         normal("https://cloud.example.com/ocs/v2.php/apps/spreed/api/v1/signaling/backend"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://[2001:db8::1]:8443/"), normal("https://[2001:db8::1]:8443"));
    auto parts = normalizeBackendUrl("https://cloud.example.com:8443/x");
    CPPUNIT_ASSERT_EQUAL(std::string("cloud.example.com:8443"), parts->host);
    CPPUNIT_ASSERT_EQUAL(std::string("https"), parts->scheme);
    const char* invalid[] = {"", "cloud.example.com", "ftp://cloud.example.com/", "https:///path",
                             "https://user:pw@cloud.example.com/", "https://cloud.example.com/?x=1",
                             "https://cloud.example.com/#frag", "//cloud.example.com/"};
    for (const char* url : invalid) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, std::string("<invalid>"), normal(url));
    }
  }

  void lookupByHostAndPrefix()
  {
    BackendRegistry registry({backend("one", {"https://cloud.example.com/nextcloud"}),
                              backend("two", {"https://other.example.com", "https://alias.example.com:8443/"})},
                             BackendOptions{});
    CPPUNIT_ASSERT_EQUAL(std::string("one"), idOf(registry.forClientUrl("https://cloud.example.com/nextcloud/")));
    CPPUNIT_ASSERT_EQUAL(std::string("one"),
                         idOf(registry.forClientUrl("https://CLOUD.example.com:443/nextcloud/ocs/v2.php/apps/spreed/api/v1/signaling/backend")));
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.forClientUrl("https://cloud.example.com/")));
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.forClientUrl("https://cloud.example.com/nextcloud2/")));
    CPPUNIT_ASSERT_EQUAL(std::string("two"), idOf(registry.forClientUrl("https://other.example.com/sub/")));
    CPPUNIT_ASSERT_EQUAL(std::string("two"), idOf(registry.forClientUrl("https://alias.example.com:8443")));
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.forClientUrl("https://alias.example.com/")));
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.forClientUrl("https://unknown.example.com/")));
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.forClientUrl("garbage")));
    CPPUNIT_ASSERT_EQUAL(std::string("two"), idOf(registry.byId("two")));
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.byId("three")));
    CPPUNIT_ASSERT(!registry.compat());
    CPPUNIT_ASSERT_EQUAL(size_t(2), registry.backends().size());
    CPPUNIT_ASSERT_EQUAL(std::string("https://cloud.example.com/nextcloud/"), registry.backends()[0]->urls[0]);
  }

  void severalBackendsOnOneHost()
  {
    BackendRegistry registry({backend("a", {"https://host.example.com/a/"}), backend("root", {"https://host.example.com/"}),
                              backend("ab", {"https://host.example.com/a/b/"})},
                             BackendOptions{});
    CPPUNIT_ASSERT_EQUAL(std::string("ab"), idOf(registry.forClientUrl("https://host.example.com/a/b/c")));
    CPPUNIT_ASSERT_EQUAL(std::string("a"), idOf(registry.forClientUrl("https://host.example.com/a/x")));
    CPPUNIT_ASSERT_EQUAL(std::string("root"), idOf(registry.forClientUrl("https://host.example.com/other")));
  }

  void allowAllCompat()
  {
    BackendOptions options;
    options.allowAll = true;
    options.allowAllSecret = "dev";
    BackendRegistry registry({backend("one", {"https://cloud.example.com/nc/"})}, options);
    auto compat = registry.forClientUrl("https://anything.example.org/");
    CPPUNIT_ASSERT(compat);
    CPPUNIT_ASSERT(compat->compat);
    CPPUNIT_ASSERT_EQUAL(std::string("compat"), compat->id);
    CPPUNIT_ASSERT_EQUAL(std::string("dev"), compat->secret);
    CPPUNIT_ASSERT_EQUAL(std::string("one"), idOf(registry.forClientUrl("https://cloud.example.com/nc/")));
    // A configured host with another path is not handed to compat.
    CPPUNIT_ASSERT_EQUAL(std::string("<none>"), idOf(registry.forClientUrl("https://cloud.example.com/other/")));
    CPPUNIT_ASSERT_EQUAL(std::string("compat"), idOf(registry.byId("compat")));
  }

  void httpNeedsAllowHttp()
  {
    BackendOptions options;
    options.allowAll = true;
    options.allowAllSecret = "dev";
    BackendRegistry strict({}, options);
    CPPUNIT_ASSERT(!strict.forClientUrl("http://cloud.example.com/"));
    CPPUNIT_ASSERT(strict.forClientUrl("https://cloud.example.com/"));
    options.allowHttp = true;
    BackendRegistry lax({backend("local", {"http://127.0.0.1:8080/"})}, options);
    CPPUNIT_ASSERT_EQUAL(std::string("local"), idOf(lax.forClientUrl("http://127.0.0.1:8080")));
    CPPUNIT_ASSERT_EQUAL(std::string("compat"), idOf(lax.forClientUrl("http://127.0.0.1:8081/")));
  }

  void duplicateUrlRejected()
  {
    CPPUNIT_ASSERT_THROW(BackendRegistry({backend("a", {"https://x.example.com/"}), backend("b", {"https://X.example.com:443"})},
                                         BackendOptions{}),
                         ConfigError);
    CPPUNIT_ASSERT_THROW(BackendRegistry({backend("a", {"not a url"})}, BackendOptions{}), ConfigError);
  }

  void fromSettings()
  {
    TempDir dir;
    std::string one = dir.write("one-secret", "secret-one\n");
    std::string two = dir.write("two-secret", "secret-two");
    config::Settings settings = load(dir, "backend = { allow_http = true; timeout = 5; connections_per_host = 4; };\n"
                                          "backends = (\n"
                                          "  { id = \"one\"; urls = [ \"https://cloud.example.com/\" ]; secret_file = \"" +
                                              one + "\"; session_limit = 5; max_stream_bitrate = 1048576; },\n"
                                                    "  { id = \"two\"; urls = [ \"http://127.0.0.1:9/\", \"https://b.example.com\" ]; secret_file = \"" +
                                              two + "\"; max_screen_bitrate = 2097152; }\n);\n");
    auto registry = BackendRegistry::fromSettings(settings);
    CPPUNIT_ASSERT_EQUAL(size_t(2), registry->backends().size());
    auto first = registry->byId("one");
    CPPUNIT_ASSERT_EQUAL(std::string("secret-one"), first->secret);
    CPPUNIT_ASSERT_EQUAL(int64_t(5), first->sessionLimit);
    CPPUNIT_ASSERT_EQUAL(int64_t(1048576), first->maxStreamBitrate);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), first->maxScreenBitrate);
    auto second = registry->forClientUrl("https://b.example.com/");
    CPPUNIT_ASSERT_EQUAL(std::string("two"), idOf(second));
    CPPUNIT_ASSERT_EQUAL(std::string("secret-two"), second->secret);
    CPPUNIT_ASSERT_EQUAL(int64_t(2097152), second->maxScreenBitrate);
    CPPUNIT_ASSERT_EQUAL(5.0, registry->options().timeout);
    CPPUNIT_ASSERT_EQUAL(4L, registry->options().connectionsPerHost);
    CPPUNIT_ASSERT(registry->options().allowHttp);
    CPPUNIT_ASSERT(!registry->options().skipVerify);
    CPPUNIT_ASSERT(!registry->compat());
  }

  void fromSettingsErrors()
  {
    TempDir dir;
    std::string secret = dir.write("s", "x");
    auto expectError = [&](const std::string& text, const std::string& needle) {
      try {
        BackendRegistry::fromSettings(load(dir, text));
      }
      catch (const ConfigError& e) {
        std::string what = e.what();
        CPPUNIT_ASSERT_MESSAGE(what, what.find(needle) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(what, what.find("signaling.cfg") != std::string::npos);
        return;
      }
      CPPUNIT_FAIL("no ConfigError for: " + text);
    };
    expectError("backends = ( { id = \"a\"; urls = [ \"http://x.example.com/\" ]; secret_file = \"" + secret + "\"; } );",
                "allow_http");
    expectError("backends = ( { id = \"a\"; urls = [ \"x.example.com\" ]; secret_file = \"" + secret + "\"; } );",
                "not an absolute");
    expectError("backends = ( { id = \"a\"; urls = [ ]; secret_file = \"" + secret + "\"; } );", "at least one URL");
    expectError("backends = ( { urls = [ \"https://x.example.com/\" ]; secret_file = \"" + secret + "\"; } );", "id");
    expectError("backends = ( { id = \"a\"; urls = [ \"https://x.example.com/\" ]; secret_file = \"" + secret +
                    "\"; },\n { id = \"a\"; urls = [ \"https://y.example.com/\" ]; secret_file = \"" + secret + "\"; } );",
                "used twice");
    expectError("backends = ( { id = \"a\"; urls = [ \"https://x.example.com/\" ]; } );", "secret_file");
    expectError("backends = ( { id = \"a\"; urls = [ \"https://x.example.com/\" ]; secret_file = \"" + dir.path() +
                    "/missing\"; } );",
                "cannot read");
    expectError("backend = { allow_all = true; };", "secret_file");
    expectError("backends = ( { id = \"a\"; urls = [ \"https://x.example.com/\" ]; secret_file = \"" + secret +
                    "\"; session_limit = -1; } );",
                "session_limit");
  }

  void snapshotsOutliveReload()
  {
    auto registry = std::make_shared<const BackendRegistry>(std::vector<Backend>{backend("one", {"https://a.example.com/"}, "old")},
                                                            BackendOptions{});
    std::shared_ptr<const Backend> held = registry->forClientUrl("https://a.example.com/");
    registry = std::make_shared<const BackendRegistry>(std::vector<Backend>{backend("one", {"https://a.example.com/"}, "new")},
                                                       BackendOptions{});
    CPPUNIT_ASSERT_EQUAL(std::string("old"), held->secret);
    CPPUNIT_ASSERT_EQUAL(std::string("new"), registry->forClientUrl("https://a.example.com/")->secret);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BackendRegistryTest);
