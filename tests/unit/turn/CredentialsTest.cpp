// REST credentials, static users, key derivation and nonces.
#include "turn/auth/KeyDerivation.hpp"
#include "turn/auth/NonceManager.hpp"
#include "turn/auth/RestCredentials.hpp"
#include "turn/auth/StaticUsers.hpp"

#include "FakeClock.hpp"
#include "TestUtil.hpp"
#include "common/crypto/Crypto.hpp"
#include "common/util/Error.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cctype>

using namespace talk;
using namespace talk::turn::auth;
using talk::test::addr;

class CredentialsTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(CredentialsTest);
  CPPUNIT_TEST(restPasswordMatchesOpenssl);
  CPPUNIT_TEST(restUsernameForms);
  CPPUNIT_TEST(restExpiryAndMaxTtl);
  CPPUNIT_TEST(restSettingsValidated);
  CPPUNIT_TEST(keyDerivationMatchesOpenssl);
  CPPUNIT_TEST(staticUsersParse);
  CPPUNIT_TEST(staticUsersRejectBadEntries);
  CPPUNIT_TEST(nonceValidForIssuingClientOnly);
  CPPUNIT_TEST(nonceExpiresWithClock);
  CPPUNIT_TEST(nonceRejectsForgeries);
  CPPUNIT_TEST(nonceSharedKeyWorksAcrossManagers);
  CPPUNIT_TEST_SUITE_END();

public:
  void restPasswordMatchesOpenssl()
  {
    // printf %s 1700086400:alice | openssl dgst -sha1 -hmac 'north-secret' -binary | base64
    CPPUNIT_ASSERT_EQUAL(std::string("Nni2GlD6PVaoCP0Cx2DhLKDWjyY="), restPassword("north-secret", "1700086400:alice"));
    // printf %s 1700086400:alice | openssl dgst -sha1 -hmac 'south-secret' -binary | base64
    CPPUNIT_ASSERT_EQUAL(std::string("xvR0P3bEO7Bv9k6Ivy0JKM90vKI="), restPassword("south-secret", "1700086400:alice"));
    // printf %s 1700086400 | openssl dgst -sha1 -hmac 'north-secret' -binary | base64
    CPPUNIT_ASSERT_EQUAL(std::string("2qpvCAfxmqWyllulrFgjc60oiiI="), restPassword("north-secret", "1700086400"));
    // printf %s bob:1700086400 | openssl dgst -sha1 -hmac 'north-secret' -binary | base64
    CPPUNIT_ASSERT_EQUAL(std::string("j3LvD7TrvxBS179WFXlUq7volTI="), restPassword("north-secret", "bob:1700086400"));
  }

  void restUsernameForms()
  {
    auto u = parseRestUsername("1700086400:alice");
    CPPUNIT_ASSERT(u);
    CPPUNIT_ASSERT_EQUAL(int64_t(1700086400), u->expiry);
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), std::string(u->userId));
    u = parseRestUsername("1700086400");
    CPPUNIT_ASSERT(u && u->expiry == 1700086400 && u->userId.empty());
    u = parseRestUsername("bob:1700086400");
    CPPUNIT_ASSERT(u && u->expiry == 1700086400);
    CPPUNIT_ASSERT_EQUAL(std::string("bob"), std::string(u->userId));
    // The id may contain the separator in either form.
    u = parseRestUsername("1700086400:a:b");
    CPPUNIT_ASSERT(u && u->userId == "a:b");
    u = parseRestUsername("x:y:1700086400");
    CPPUNIT_ASSERT(u && u->expiry == 1700086400 && u->userId == "x:y");
    // Other separators.
    u = parseRestUsername("1700086400|carol", '|');
    CPPUNIT_ASSERT(u && u->userId == "carol");
    CPPUNIT_ASSERT(!parseRestUsername("1700086400|carol", ':'));
    // Not REST.
    CPPUNIT_ASSERT(!parseRestUsername("alice"));
    CPPUNIT_ASSERT(!parseRestUsername("alice:bob"));
    CPPUNIT_ASSERT(!parseRestUsername(""));
    CPPUNIT_ASSERT(!parseRestUsername(":"));
    CPPUNIT_ASSERT(!parseRestUsername("-5:alice"));
    CPPUNIT_ASSERT(!parseRestUsername("+5:alice"));
    CPPUNIT_ASSERT(!parseRestUsername("1234567890123456789:alice")); // 19 digits: could overflow
    CPPUNIT_ASSERT(parseRestUsername("123456789012345678:alice"));
  }

  void restExpiryAndMaxTtl()
  {
    const int64_t now = 1700000000;
    RestCredentials rest(RestCredentials::Settings{{"s"}, ':', 7 * 86400});
    RestUsername parsed;
    CPPUNIT_ASSERT(rest.check("1700086400:alice", now, &parsed) == RestCredentials::Check::Valid);
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), std::string(parsed.userId));
    CPPUNIT_ASSERT(rest.check("1700000000:alice", now) == RestCredentials::Check::Valid); // expires now: still ok
    CPPUNIT_ASSERT(rest.check("1699999999:alice", now) == RestCredentials::Check::Expired);
    CPPUNIT_ASSERT(rest.check("alice:1699999999", now) == RestCredentials::Check::Expired);
    CPPUNIT_ASSERT(rest.check(std::to_string(now + 7 * 86400) + ":alice", now) == RestCredentials::Check::Valid);
    CPPUNIT_ASSERT(rest.check(std::to_string(now + 7 * 86400 + 1) + ":alice", now) ==
                   RestCredentials::Check::TooFarInFuture);
    CPPUNIT_ASSERT(rest.check("alice", now) == RestCredentials::Check::NotRest);
    RestCredentials unlimited(RestCredentials::Settings{{"s"}, ':', 0});
    CPPUNIT_ASSERT(unlimited.check("99999999999:alice", now) == RestCredentials::Check::Valid);
    CPPUNIT_ASSERT(unlimited.enabled());
    CPPUNIT_ASSERT(!RestCredentials().enabled());
  }

  void restSettingsValidated()
  {
    CPPUNIT_ASSERT_THROW(RestCredentials(RestCredentials::Settings{{"ok", ""}, ':', 0}), ConfigError);
    CPPUNIT_ASSERT_THROW(RestCredentials(RestCredentials::Settings{{"ok"}, '\0', 0}), ConfigError);
    CPPUNIT_ASSERT_THROW(RestCredentials(RestCredentials::Settings{{"ok"}, ':', -1}), ConfigError);
  }

  void keyDerivationMatchesOpenssl()
  {
    // printf %s 'alice:turn.example.org:s3cret' | openssl dgst -md5
    CPPUNIT_ASSERT_EQUAL(std::string("97dd70e862b388cc9bca35cf859b548d"),
                         crypto::hexEncode(md5Key("alice", "turn.example.org", "s3cret")));
    // printf %s 'alice:turn.example.org:s3cret' | openssl dgst -sha256
    CPPUNIT_ASSERT_EQUAL(std::string("2c1d1d2ee6028211a2b70cb852b733c13c785f5072693ea1df0d915f8e6816f6"),
                         crypto::hexEncode(sha256Key("alice", "turn.example.org", "s3cret")));
    CPPUNIT_ASSERT_EQUAL(size_t(16), deriveKey(PasswordAlgorithm::Md5, "alice", "turn.example.org", "s3cret").bytes().size());
    auto k = deriveKey(PasswordAlgorithm::Sha256, "alice", "turn.example.org", "s3cret");
    CPPUNIT_ASSERT_EQUAL(std::string("2c1d1d2ee6028211a2b70cb852b733c13c785f5072693ea1df0d915f8e6816f6"),
                         crypto::hexEncode(k.bytes()));
  }

  void staticUsersParse()
  {
    StaticUsers users;
    users.add("alice:s3cret");
    users.add("bob:0x97DD70E862B388CC9BCA35CF859B548D");
    users.add("carol:pa:ss"); // the password may contain ':'
    CPPUNIT_ASSERT_EQUAL(size_t(3), users.size());
    const auto* alice = users.find("alice");
    CPPUNIT_ASSERT(alice && alice->password && *alice->password == "s3cret" && !alice->md5Key);
    const auto* bob = users.find("bob");
    CPPUNIT_ASSERT(bob && bob->md5Key && !bob->password);
    CPPUNIT_ASSERT_EQUAL(std::string("97dd70e862b388cc9bca35cf859b548d"), crypto::hexEncode(*bob->md5Key));
    CPPUNIT_ASSERT_EQUAL(std::string("pa:ss"), *users.find("carol")->password);
    CPPUNIT_ASSERT(users.find("dave") == nullptr);
    users.add("alice:new"); // later entries replace earlier ones
    CPPUNIT_ASSERT_EQUAL(std::string("new"), *users.find("alice")->password);
  }

  void staticUsersRejectBadEntries()
  {
    StaticUsers users;
    CPPUNIT_ASSERT_THROW(users.add("alice"), ConfigError);
    CPPUNIT_ASSERT_THROW(users.add(":pw"), ConfigError);
    CPPUNIT_ASSERT_THROW(users.add("alice:"), ConfigError);
    CPPUNIT_ASSERT_THROW(users.add("bob:0x1234"), ConfigError);
    CPPUNIT_ASSERT_THROW(users.add("bob:0x97dd70e862b388cc9bca35cf859b548g"), ConfigError);
    try {
      users.add("bob:0xsupersecretsupersecretsupersecret");
      CPPUNIT_FAIL("accepted a bad key");
    }
    catch (const ConfigError& e) {
      CPPUNIT_ASSERT(std::string(e.what()).find("supersecret") == std::string::npos);
    }
    CPPUNIT_ASSERT(users.empty());
  }

  void nonceValidForIssuingClientOnly()
  {
    test::FakeClock clock;
    NonceManager nonces(clock);
    auto client = addr("198.51.100.7:50000");
    std::string nonce = nonces.issue(client);
    CPPUNIT_ASSERT_EQUAL(NonceManager::NonceLength, nonce.size());
    CPPUNIT_ASSERT(nonce.size() <= 127);
    CPPUNIT_ASSERT(nonces.validate(nonce, client) == NonceManager::Status::Valid);
    CPPUNIT_ASSERT(nonces.validate(nonce, addr("198.51.100.7:50001")) == NonceManager::Status::Invalid);
    CPPUNIT_ASSERT(nonces.validate(nonce, addr("198.51.100.8:50000")) == NonceManager::Status::Invalid);
    CPPUNIT_ASSERT(nonces.validate(nonce, addr("[::ffff:198.51.100.7]:50000")) == NonceManager::Status::Invalid);
    auto v6 = addr("[2001:db8::7]:50000");
    CPPUNIT_ASSERT(nonces.validate(nonces.issue(v6), v6) == NonceManager::Status::Valid);
  }

  void nonceExpiresWithClock()
  {
    test::FakeClock clock;
    NonceManager nonces(clock, {}, 600);
    auto client = addr("198.51.100.7:50000");
    std::string nonce = nonces.issue(client);
    clock.advance(600);
    CPPUNIT_ASSERT(nonces.validate(nonce, client) == NonceManager::Status::Valid);
    clock.advance(1);
    CPPUNIT_ASSERT(nonces.validate(nonce, client) == NonceManager::Status::Stale);
    CPPUNIT_ASSERT(nonces.validate(nonces.issue(client), client) == NonceManager::Status::Valid);
    // Lifetime 0: never stale.
    NonceManager forever(clock, {}, 0);
    std::string old = forever.issue(client);
    clock.advance(10 * 365 * 86400);
    CPPUNIT_ASSERT(forever.validate(old, client) == NonceManager::Status::Valid);
    // A nonce from the future (beyond the skew allowance) is not ours to trust.
    test::FakeClock behind(1700000000 - 60);
    NonceManager sameKeyBehind(behind, crypto::bytes("shared"), 600);
    NonceManager sameKeyNow(clock, crypto::bytes("shared"), 600);
    CPPUNIT_ASSERT(sameKeyBehind.validate(sameKeyNow.issue(client), client) == NonceManager::Status::Invalid);
  }

  void nonceRejectsForgeries()
  {
    test::FakeClock clock;
    NonceManager nonces(clock);
    auto client = addr("198.51.100.7:50000");
    std::string nonce = nonces.issue(client);
    CPPUNIT_ASSERT(nonces.validate("", client) == NonceManager::Status::Invalid);
    CPPUNIT_ASSERT(nonces.validate(nonce.substr(1), client) == NonceManager::Status::Invalid);
    CPPUNIT_ASSERT(nonces.validate(nonce + "0", client) == NonceManager::Status::Invalid);
    for (size_t i = 0; i < nonce.size(); ++i) {
      std::string forged = nonce;
      forged[i] = forged[i] == '0' ? '1' : '0';
      CPPUNIT_ASSERT_MESSAGE("position " + std::to_string(i), nonces.validate(forged, client) != NonceManager::Status::Valid);
    }
    std::string upper = nonce;
    for (char& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper != nonce) {
      CPPUNIT_ASSERT(nonces.validate(upper, client) == NonceManager::Status::Invalid);
    }
    // Another server's (random) key.
    NonceManager other(clock);
    CPPUNIT_ASSERT(other.validate(nonce, client) == NonceManager::Status::Invalid);
  }

  void nonceSharedKeyWorksAcrossManagers()
  {
    test::FakeClock clock;
    NonceManager a(clock, crypto::bytes("cluster-secret"));
    NonceManager b(clock, crypto::bytes("cluster-secret"));
    NonceManager c(clock, crypto::bytes("other-secret"));
    auto client = addr("[2001:db8::9]:4000");
    std::string nonce = a.issue(client);
    CPPUNIT_ASSERT(b.validate(nonce, client) == NonceManager::Status::Valid);
    CPPUNIT_ASSERT(c.validate(nonce, client) == NonceManager::Status::Invalid);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CredentialsTest);
