#include "TempDir.hpp"
#include "common/config/CommonSettings.hpp"
#include "common/config/Settings.hpp"
#include "common/util/Error.hpp"

#include <cppunit/extensions/HelperMacros.h>
#include <cstdlib>
#include <sys/stat.h>

using talk::ConfigError;
using talk::config::loadSettings;
using talk::config::Schema;
using talk::config::Settings;
using talk::test::TempDir;

namespace {

Schema testSchema()
{
  Schema schema;
  schema.string("name", "talk", "A top-level string.")
      .integer("server.port", 3478, 1, 65535, "A port.")
      .integer("server.big", 5000000000LL, -6000000000LL, 6000000000LL, "Needs 64 bits.")
      .integer("server.negative", -5, -10, 10, "Below zero.")
      .number("server.ratio", 0.25, 0.0, 1.0, "A fraction.")
      .boolean("server.enabled", true, "A switch.")
      .stringList("server.peers", {"a \"quoted\" one", "back\\slash"}, "Several strings.")
      .choice("log.level", "info", {"error", "info", "debug"}, "Severity.")
      .secret("auth.secret_file", "shared", "The shared secret.")
      .string("deep.er.key", "x\ny", "Three levels; a newline in the default.");
  return schema;
}

// Asserts that loading `content` fails with a message containing every fragment.
void expectError(const std::string& content, std::initializer_list<std::string> fragments)
{
  TempDir dir;
  std::string file = dir.write("t.cfg", content);
  Schema schema = testSchema();
  try {
    loadSettings(schema, file);
  }
  catch (const ConfigError& e) {
    std::string message = e.what();
    for (const auto& fragment : fragments) {
      std::string expanded = fragment;
      size_t at = expanded.find("FILE");
      if (at != std::string::npos) {
        expanded.replace(at, 4, file);
      }
      CPPUNIT_ASSERT_MESSAGE("\"" + message + "\" lacks \"" + expanded + "\"", message.find(expanded) != std::string::npos);
    }
    return;
  }
  CPPUNIT_FAIL("no ConfigError for: " + content);
}

// Restores an environment variable when the test ends.
class EnvGuard
{
public:
  explicit EnvGuard(const char* name) :
    d_name(name)
  {
    const char* old = std::getenv(name);
    d_had = old != nullptr;
    if (d_had) {
      d_old = old;
    }
  }
  ~EnvGuard()
  {
    if (d_had) {
      ::setenv(d_name, d_old.c_str(), 1);
    }
    else {
      ::unsetenv(d_name);
    }
  }

private:
  const char* d_name;
  bool d_had{false};
  std::string d_old;
};

}

class ConfigTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(ConfigTest);
  CPPUNIT_TEST(missingOptionalFileGivesDefaults);
  CPPUNIT_TEST(missingFileIsAnError);
  CPPUNIT_TEST(readsEveryType);
  CPPUNIT_TEST(unknownKey);
  CPPUNIT_TEST(unknownGroup);
  CPPUNIT_TEST(wrongType);
  CPPUNIT_TEST(outOfRange);
  CPPUNIT_TEST(badChoice);
  CPPUNIT_TEST(syntaxError);
  CPPUNIT_TEST(groupAndScalarMixups);
  CPPUNIT_TEST(badListElement);
  CPPUNIT_TEST(dumpDefaultsReparsesToDefaults);
  CPPUNIT_TEST(commonDefaultsReparse);
  CPPUNIT_TEST(secretFromCredentialsDirectory);
  CPPUNIT_TEST(secretFromSecretsFallback);
  CPPUNIT_TEST(secretErrors);
  CPPUNIT_TEST(schemaRejectsMisuse);
  CPPUNIT_TEST(gettersRejectWrongType);
  CPPUNIT_TEST(groupLists);
  CPPUNIT_TEST(groupListErrors);
  CPPUNIT_TEST_SUITE_END();

public:
  void missingOptionalFileGivesDefaults()
  {
    TempDir dir;
    Schema schema = testSchema();
    Settings s = loadSettings(schema, dir.path() + "/absent.cfg", true);
    CPPUNIT_ASSERT_EQUAL(std::string("talk"), s.getString("name"));
    CPPUNIT_ASSERT_EQUAL(int64_t{3478}, s.getInt("server.port"));
    CPPUNIT_ASSERT_EQUAL(int64_t{5000000000LL}, s.getInt("server.big"));
    CPPUNIT_ASSERT_EQUAL(0.25, s.getNumber("server.ratio"));
    CPPUNIT_ASSERT(s.getBool("server.enabled"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, s.getStringList("server.peers").size());
    CPPUNIT_ASSERT(!s.isSet("server.port"));
    CPPUNIT_ASSERT_EQUAL(dir.path() + "/absent.cfg (default)", s.where("server.port"));
  }

  void missingFileIsAnError()
  {
    TempDir dir;
    Schema schema = testSchema();
    std::string file = dir.path() + "/absent.cfg";
    try {
      loadSettings(schema, file);
      CPPUNIT_FAIL("missing file accepted");
    }
    catch (const ConfigError& e) {
      std::string message = e.what();
      CPPUNIT_ASSERT(message.rfind(file + ": ", 0) == 0);
      CPPUNIT_ASSERT(message.find("No such file") != std::string::npos);
      CPPUNIT_ASSERT(message.find("expected") != std::string::npos);
    }
    // A directory is not a file either, optional or not.
    CPPUNIT_ASSERT_THROW(loadSettings(schema, dir.path(), true), ConfigError);
  }

  void readsEveryType()
  {
    TempDir dir;
    std::string file = dir.write("t.cfg",
                                 "# comment\n"
                                 "name = \"other\";\n"
                                 "server:\n"
                                 "{\n"
                                 "  port = 443;\n"
                                 "  big = -5500000000L;\n"
                                 "  ratio = 1;\n"
                                 "  enabled = false;\n"
                                 "  peers = ( \"x\", \"y\", \"z\" );\n"
                                 "};\n"
                                 "log = { level = \"debug\"; };\n"
                                 "deep = { er = { key = \"k\"; }; };\n");
    Schema schema = testSchema();
    Settings s = loadSettings(schema, file);
    CPPUNIT_ASSERT_EQUAL(std::string("other"), s.getString("name"));
    CPPUNIT_ASSERT_EQUAL(int64_t{443}, s.getInt("server.port"));
    CPPUNIT_ASSERT_EQUAL(int64_t{-5500000000LL}, s.getInt("server.big"));
    CPPUNIT_ASSERT_EQUAL(int64_t{-5}, s.getInt("server.negative"));
    CPPUNIT_ASSERT_EQUAL(1.0, s.getNumber("server.ratio"));
    CPPUNIT_ASSERT(!s.getBool("server.enabled"));
    CPPUNIT_ASSERT((s.getStringList("server.peers") == std::vector<std::string>{"x", "y", "z"}));
    CPPUNIT_ASSERT_EQUAL(std::string("debug"), s.getString("log.level"));
    CPPUNIT_ASSERT_EQUAL(std::string("k"), s.getString("deep.er.key"));
    CPPUNIT_ASSERT(s.isSet("server.port"));
    CPPUNIT_ASSERT(!s.isSet("server.negative"));
    CPPUNIT_ASSERT_EQUAL(file + ":5", s.where("server.port"));
    CPPUNIT_ASSERT_EQUAL(dir.path(), s.directory());
  }

  void unknownKey()
  {
    expectError("server = {\n  port = 1;\n  prot = 2;\n};\n", {"FILE:3: server.prot: unknown key", "expected one of: port, big, negative"});
    expectError("nmae = \"x\";\n", {"FILE:1: nmae: unknown key", "expected one of: name, server, log"});
  }

  void unknownGroup()
  {
    expectError("\n\nextra = { a = 1; };\n", {"FILE:3: extra: unknown key", "expected"});
  }

  void wrongType()
  {
    expectError("server = { port = \"443\"; };\n", {"FILE:1: server.port: expected an integer"});
    expectError("server = {\n enabled = 1;\n};\n", {"FILE:2: server.enabled: expected true or false"});
    expectError("name = 5;\n", {"FILE:1: name: expected a string"});
    expectError("server = { ratio = \"x\"; };\n", {"FILE:1: server.ratio: expected a number"});
    expectError("server = { port = 1.5; };\n", {"FILE:1: server.port: expected an integer"});
    expectError("auth = { secret_file = 3; };\n", {"FILE:1: auth.secret_file: expected a file name"});
  }

  void outOfRange()
  {
    expectError("server = {\n\n port = 70000;\n};\n", {"FILE:3: server.port: expected an integer from 1 to 65535, not 70000"});
    expectError("server = { port = 0; };\n", {"FILE:1: server.port: expected an integer from 1 to 65535, not 0"});
    expectError("server = { ratio = 1.5; };\n", {"FILE:1: server.ratio: expected a number from 0 to 1"});
    expectError("server = { big = 9000000000L; };\n", {"FILE:1: server.big: expected an integer from -6000000000 to 6000000000"});
  }

  void badChoice()
  {
    expectError("log = { level = \"loud\"; };\n", {"FILE:1: log.level: expected one of error, info, debug, not \"loud\""});
    expectError("log = { level = 3; };\n", {"FILE:1: log.level: expected one of error, info, debug"});
  }

  void syntaxError()
  {
    expectError("name = \"a\";\nserver = { port = ; };\n", {"FILE:2: syntax error", "expected"});
    expectError("name = \"unterminated;\n", {"FILE:", "syntax error"});
  }

  void groupAndScalarMixups()
  {
    expectError("server = 5;\n", {"FILE:1: server: expected a group"});
    expectError("name = { a = 1; };\n", {"FILE:1: name: expected a string, not a group"});
  }

  void badListElement()
  {
    expectError("server = { peers = [ 1, 2 ]; };\n", {"FILE:1: server.peers: expected a list of strings"});
    expectError("server = { peers = \"one\"; };\n", {"FILE:1: server.peers: expected a list of strings"});
  }

  void dumpDefaultsReparsesToDefaults()
  {
    Schema schema = testSchema();
    std::string text = schema.dumpDefaults("first line\nsecond line");
    CPPUNIT_ASSERT(text.rfind("# first line\n# second line\n", 0) == 0);
    // Docs and constraints appear as comments.
    CPPUNIT_ASSERT(text.find("# A port.\n") != std::string::npos);
    CPPUNIT_ASSERT(text.find("# Integer, 1 to 65535.\n") != std::string::npos);
    CPPUNIT_ASSERT(text.find("# One of: error, info, debug.\n") != std::string::npos);
    CPPUNIT_ASSERT(text.find("big = 5000000000L;") != std::string::npos);
    TempDir dir;
    std::string file = dir.write("dump.cfg", text);
    Settings s = loadSettings(schema, file);
    Settings defaults(schema, file);
    for (const auto& key : schema.keys()) {
      CPPUNIT_ASSERT_MESSAGE(key.path + " not written", s.isSet(key.path));
    }
    CPPUNIT_ASSERT_EQUAL(defaults.getString("name"), s.getString("name"));
    CPPUNIT_ASSERT_EQUAL(defaults.getInt("server.port"), s.getInt("server.port"));
    CPPUNIT_ASSERT_EQUAL(defaults.getInt("server.big"), s.getInt("server.big"));
    CPPUNIT_ASSERT_EQUAL(defaults.getInt("server.negative"), s.getInt("server.negative"));
    CPPUNIT_ASSERT_EQUAL(defaults.getNumber("server.ratio"), s.getNumber("server.ratio"));
    CPPUNIT_ASSERT_EQUAL(defaults.getBool("server.enabled"), s.getBool("server.enabled"));
    CPPUNIT_ASSERT((defaults.getStringList("server.peers") == s.getStringList("server.peers")));
    CPPUNIT_ASSERT_EQUAL(defaults.getString("log.level"), s.getString("log.level"));
    CPPUNIT_ASSERT_EQUAL(defaults.getString("auth.secret_file"), s.getString("auth.secret_file"));
    CPPUNIT_ASSERT_EQUAL(std::string("x\ny"), s.getString("deep.er.key"));
    // Writing the re-read values gives the same text again.
    CPPUNIT_ASSERT_EQUAL(text, schema.dumpDefaults("first line\nsecond line"));
  }

  void commonDefaultsReparse()
  {
    Schema schema;
    talk::config::describeCommonSettings(schema);
    TempDir dir;
    std::string file = dir.write("talk.cfg", schema.dumpDefaults("talk.cfg"));
    Settings s = loadSettings(schema, file);
    CPPUNIT_ASSERT_EQUAL(std::string("info"), s.getString("log.level"));
    CPPUNIT_ASSERT(s.getStringList("log.debug").empty());
    CPPUNIT_ASSERT_EQUAL(std::string("loopback"), s.getString("nats.url"));
    CPPUNIT_ASSERT_EQUAL(std::string("turn-secret"), s.getString("turn.secret_file"));
    for (const auto& key : schema.keys()) {
      CPPUNIT_ASSERT_MESSAGE(key.path + " undocumented", !key.doc.empty());
      CPPUNIT_ASSERT(s.isSet(key.path));
    }
  }

  void secretFromCredentialsDirectory()
  {
    EnvGuard guard("CREDENTIALS_DIRECTORY");
    TempDir dir;
    ::mkdir((dir.path() + "/creds").c_str(), 0700);
    dir.write("creds/shared", "s3cr3t\n");
    std::string file = dir.write("t.cfg", "auth = { secret_file = \"shared\"; };\n");
    Schema schema = testSchema();
    Settings s = loadSettings(schema, file);
    ::setenv("CREDENTIALS_DIRECTORY", (dir.path() + "/creds").c_str(), 1);
    CPPUNIT_ASSERT_EQUAL(std::string("s3cr3t"), s.readSecret("auth.secret_file"));
    CPPUNIT_ASSERT_EQUAL(dir.path() + "/creds/shared", s.secretPath("auth.secret_file"));
    // With the credentials directory set, secrets/ next to the file is not consulted.
    ::mkdir((dir.path() + "/secrets").c_str(), 0700);
    dir.write("secrets/shared", "other");
    CPPUNIT_ASSERT_EQUAL(std::string("s3cr3t"), s.readSecret("auth.secret_file"));
  }

  void secretFromSecretsFallback()
  {
    EnvGuard guard("CREDENTIALS_DIRECTORY");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    TempDir dir;
    ::mkdir((dir.path() + "/secrets").c_str(), 0700);
    dir.write("secrets/shared", "from-secrets\r\n");
    Schema schema = testSchema();
    Settings s = loadSettings(schema, dir.path() + "/none.cfg", true);
    CPPUNIT_ASSERT_EQUAL(std::string("from-secrets"), s.readSecret("auth.secret_file"));
    // An absolute name is used as it is.
    std::string absolute = dir.write("elsewhere", "abs\n");
    std::string file = dir.write("t.cfg", "auth = { secret_file = \"" + absolute + "\"; };\n");
    Settings t = loadSettings(schema, file);
    CPPUNIT_ASSERT_EQUAL(std::string("abs"), t.readSecret("auth.secret_file"));
  }

  void secretErrors()
  {
    EnvGuard guard("CREDENTIALS_DIRECTORY");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    TempDir dir;
    Schema schema = testSchema();
    std::string file = dir.write("t.cfg", "\nauth = {\n  secret_file = \"absent\";\n};\n");
    Settings s = loadSettings(schema, file);
    try {
      s.readSecret("auth.secret_file");
      CPPUNIT_FAIL("missing secret accepted");
    }
    catch (const ConfigError& e) {
      std::string message = e.what();
      CPPUNIT_ASSERT_MESSAGE(message, message.rfind(file + ":3: auth.secret_file: ", 0) == 0);
      CPPUNIT_ASSERT_MESSAGE(message, message.find(dir.path() + "/secrets/absent") != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(message, message.find("expected") != std::string::npos);
    }
    ::mkdir((dir.path() + "/secrets").c_str(), 0700);
    dir.write("secrets/absent", "\n");
    try {
      s.readSecret("auth.secret_file");
      CPPUNIT_FAIL("empty secret accepted");
    }
    catch (const ConfigError& e) {
      CPPUNIT_ASSERT(std::string(e.what()).find("is empty") != std::string::npos);
    }
    std::string unset = dir.write("u.cfg", "auth = { secret_file = \"\"; };\n");
    Settings u = loadSettings(schema, unset);
    CPPUNIT_ASSERT_EQUAL(std::string(), u.secretPath("auth.secret_file"));
    CPPUNIT_ASSERT_THROW(u.readSecret("auth.secret_file"), ConfigError);
    // A directory named as a secret is refused too.
    ::mkdir((dir.path() + "/secrets/dir").c_str(), 0700);
    std::string d = dir.write("d.cfg", "auth = { secret_file = \"dir\"; };\n");
    CPPUNIT_ASSERT_THROW(loadSettings(schema, d).readSecret("auth.secret_file"), ConfigError);
  }

  void schemaRejectsMisuse()
  {
    Schema schema;
    schema.integer("a.b", 1, 0, 2, "x");
    CPPUNIT_ASSERT_THROW(schema.string("a.b", "", "dup"), std::logic_error);
    CPPUNIT_ASSERT_THROW(schema.string("a", "", "group clash"), std::logic_error);
    CPPUNIT_ASSERT_THROW(schema.string("a.b.c", "", "under a key"), std::logic_error);
    CPPUNIT_ASSERT_THROW(schema.integer("c", 5, 0, 2, "default out of range"), std::logic_error);
    CPPUNIT_ASSERT_THROW(schema.choice("d", "z", {"x", "y"}, "default not allowed"), std::logic_error);
    CPPUNIT_ASSERT_THROW(schema.string("1bad", "", "bad name"), std::logic_error);
    CPPUNIT_ASSERT_THROW(schema.string("a..b", "", "bad name"), std::logic_error);
    CPPUNIT_ASSERT(schema.isGroup("a"));
    CPPUNIT_ASSERT(!schema.isGroup("a.b"));
    CPPUNIT_ASSERT(schema.find("a.b") != nullptr);
    CPPUNIT_ASSERT(schema.find("a") == nullptr);
  }

  void gettersRejectWrongType()
  {
    Schema schema = testSchema();
    Settings s(schema, "x.cfg");
    CPPUNIT_ASSERT_THROW(s.getInt("name"), std::logic_error);
    CPPUNIT_ASSERT_THROW(s.getString("server.port"), std::logic_error);
    CPPUNIT_ASSERT_THROW(s.getString("no.such"), std::logic_error);
    CPPUNIT_ASSERT_EQUAL(std::string("shared"), s.getString("auth.secret_file"));
  }

  static Schema backendSchema()
  {
    Schema element;
    element.string("url", "", "Backend URL.").secret("secret_file", "", "Its shared secret.").integer("weight", 1, 1, 100, "Share of the load.");
    Schema schema;
    schema.string("name", "x", "Other key.").groupList("backends", std::move(element), "The Nextcloud servers.");
    return schema;
  }

  void groupLists()
  {
    EnvGuard guard("CREDENTIALS_DIRECTORY");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    TempDir dir;
    Schema schema = backendSchema();
    Settings defaults = loadSettings(schema, dir.path() + "/none.cfg", true);
    CPPUNIT_ASSERT(defaults.getGroupList("backends").empty());

    std::string file = dir.write("t.cfg",
                                 "backends = (\n"
                                 "  { url = \"https://a.example\"; secret_file = \"a\"; },\n"
                                 "  {\n"
                                 "    url = \"https://b.example\";\n"
                                 "    weight = 3;\n"
                                 "  }\n"
                                 ");\n");
    Settings s = loadSettings(schema, file);
    const auto& list = s.getGroupList("backends");
    CPPUNIT_ASSERT_EQUAL(size_t{2}, list.size());
    CPPUNIT_ASSERT_EQUAL(std::string("https://a.example"), list[0].getString("url"));
    CPPUNIT_ASSERT_EQUAL(int64_t{1}, list[0].getInt("weight"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://b.example"), list[1].getString("url"));
    CPPUNIT_ASSERT_EQUAL(int64_t{3}, list[1].getInt("weight"));
    CPPUNIT_ASSERT_EQUAL(file + ":5", list[1].where("weight"));
    CPPUNIT_ASSERT(s.isSet("backends"));
    // Secrets of an entry resolve like any other.
    ::mkdir((dir.path() + "/secrets").c_str(), 0700);
    dir.write("secrets/a", "backend-a\n");
    CPPUNIT_ASSERT_EQUAL(std::string("backend-a"), list[0].readSecret("secret_file"));
    CPPUNIT_ASSERT_THROW(list[1].readSecret("secret_file"), ConfigError);

    // The dump documents the entry keys and re-parses to the (empty) default.
    std::string text = schema.dumpDefaults("");
    CPPUNIT_ASSERT_MESSAGE(text, text.find("backends = ( );") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(text, text.find("#   weight (an integer, default 1): Share of the load.") != std::string::npos);
    Settings again = loadSettings(schema, dir.write("dump.cfg", text));
    CPPUNIT_ASSERT(again.getGroupList("backends").empty());
    CPPUNIT_ASSERT_THROW(again.getGroupList("name"), std::logic_error);
  }

  void groupListErrors()
  {
    TempDir dir;
    Schema schema = backendSchema();
    auto message = [&](const std::string& content) -> std::string {
      try {
        loadSettings(schema, dir.write("t.cfg", content));
      }
      catch (const ConfigError& e) {
        return e.what();
      }
      return "no error";
    };
    std::string file = dir.path() + "/t.cfg";
    std::string m = message("backends = (\n { url = \"a\"; },\n { wieght = 2; }\n);\n");
    CPPUNIT_ASSERT_MESSAGE(m, m.find(file + ":3: backends[1].wieght: unknown key, expected one of: url, secret_file, weight") == 0);
    m = message("backends = ( { weight = 0; } );\n");
    CPPUNIT_ASSERT_MESSAGE(m, m.find(file + ":1: backends[0].weight: expected an integer from 1 to 100, not 0") == 0);
    m = message("backends = ( \"a\" );\n");
    CPPUNIT_ASSERT_MESSAGE(m, m.find(file + ":1: backends[0]: expected a group") == 0);
    m = message("backends = { url = \"a\"; };\n");
    CPPUNIT_ASSERT_MESSAGE(m, m.find(file + ":1: backends: expected a list of groups") == 0);
    m = message("backends = \"a\";\n");
    CPPUNIT_ASSERT_MESSAGE(m, m.find(file + ":1: backends: expected a list of groups") == 0);
    Schema nested;
    CPPUNIT_ASSERT_THROW(nested.groupList("outer", backendSchema(), "lists in lists"), std::logic_error);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigTest);
