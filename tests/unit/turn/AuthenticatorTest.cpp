#include "turn/auth/Authenticator.hpp"

#include "FakeClock.hpp"
#include "TestUtil.hpp"
#include "common/crypto/Crypto.hpp"
#include "turn/stun/MessageBuilder.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <optional>

using namespace talk;
using namespace talk::turn;
using namespace talk::turn::auth;
using talk::test::addr;

namespace {

constexpr const char* Realm = "turn.example.org";

struct RequestSpec
{
  std::optional<std::string> username;
  std::optional<std::string> realm = std::string(Realm);
  std::optional<std::string> nonce;
  std::optional<stun::IntegrityKey> key;   // MI with this key
  bool sha256 = false;                     // MI-SHA256 instead of MI
  std::optional<uint16_t> passwordAlgorithm;
};

std::shared_ptr<const CredentialStore> store(std::vector<std::string> secrets, std::vector<std::string> users = {},
                                             int64_t maxTtl = 0)
{
  auto s = std::make_shared<CredentialStore>();
  s->rest = RestCredentials(RestCredentials::Settings{std::move(secrets), ':', maxTtl});
  for (const auto& u : users) {
    s->users.add(u);
  }
  return s;
}

}

class AuthenticatorTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(AuthenticatorTest);
  CPPUNIT_TEST(requestWithoutIntegrityIsUnauthorized);
  CPPUNIT_TEST(missingAttributesAreBadRequest);
  CPPUNIT_TEST(wrongRealmIsUnauthorized);
  CPPUNIT_TEST(badOrExpiredNonceIsStale);
  CPPUNIT_TEST(restCredentialsInAllThreeForms);
  CPPUNIT_TEST(restWrongPasswordExpiredAndTooLong);
  CPPUNIT_TEST(rotationAcceptsBothSecretsAndSwaps);
  CPPUNIT_TEST(staticUsersWithPasswordAndKey);
  CPPUNIT_TEST(cachedCredentialFastPath);
  CPPUNIT_TEST(sha256IntegrityAndPasswordAlgorithm);
  CPPUNIT_TEST_SUITE_END();

  std::unique_ptr<test::FakeClock> d_clock;
  std::unique_ptr<NonceManager> d_nonces;
  std::unique_ptr<Authenticator> d_auth;
  SocketAddress d_client;
  std::array<uint8_t, 1024> d_buffer{};

  // The passwords below were computed with openssl (see CredentialsTest) — the authenticator must
  // derive the same ones from the secret.
  static constexpr const char* NorthAlice = "Nni2GlD6PVaoCP0Cx2DhLKDWjyY="; // 1700086400:alice, north-secret
  static constexpr const char* SouthAlice = "xvR0P3bEO7Bv9k6Ivy0JKM90vKI="; // 1700086400:alice, south-secret
  static constexpr const char* NorthBare = "2qpvCAfxmqWyllulrFgjc60oiiI=";  // 1700086400, north-secret
  static constexpr const char* NorthBob = "j3LvD7TrvxBS179WFXlUq7volTI=";   // bob:1700086400, north-secret

public:
  void setUp() override
  {
    d_clock = std::make_unique<test::FakeClock>(1700000000);
    d_nonces = std::make_unique<NonceManager>(*d_clock);
    d_auth = std::make_unique<Authenticator>(Realm, *d_clock, *d_nonces, store({"north-secret", "south-secret"}));
    d_client = addr("198.51.100.20:40000");
  }

  stun::IntegrityKey md5For(const std::string& user, const std::string& password)
  {
    return stun::IntegrityKey(md5Key(user, Realm, password));
  }

  std::optional<stun::Message> request(const RequestSpec& spec)
  {
    stun::MessageBuilder b(d_buffer, stun::Method::Allocate, stun::MessageClass::Request, test::Tid);
    b.addRequestedTransport(stun::TransportUdp);
    if (spec.username) {
      b.addText(stun::attr::Username, *spec.username);
    }
    if (spec.realm) {
      b.addText(stun::attr::Realm, *spec.realm);
    }
    if (spec.nonce) {
      b.addText(stun::attr::Nonce, *spec.nonce);
    }
    if (spec.passwordAlgorithm) {
      b.addPasswordAlgorithm(*spec.passwordAlgorithm);
    }
    if (spec.key) {
      if (spec.sha256) {
        b.addMessageIntegritySha256(*spec.key);
      }
      else {
        b.addMessageIntegrity(*spec.key);
      }
    }
    b.addFingerprint();
    CPPUNIT_ASSERT(b.ok());
    auto msg = stun::Message::parse(b.bytes());
    CPPUNIT_ASSERT(msg);
    return msg;
  }

  AuthResult run(const RequestSpec& spec, const Credential* cached = nullptr)
  {
    return d_auth->authenticate(*request(spec), d_client, cached);
  }

  RequestSpec signedSpec(const std::string& user, const std::string& password)
  {
    RequestSpec s;
    s.username = user;
    s.nonce = d_auth->freshNonce(d_client);
    s.key = md5For(user, password);
    return s;
  }

  void requestWithoutIntegrityIsUnauthorized()
  {
    RequestSpec s;
    auto r = run(s);
    CPPUNIT_ASSERT(r.status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT_EQUAL(std::string("no-integrity"), std::string(r.reason));
    // Even with username/realm/nonce present, no MI means 401, not 400.
    s.username = "1700086400:alice";
    s.nonce = d_auth->freshNonce(d_client);
    CPPUNIT_ASSERT(run(s).status == AuthStatus::Unauthorized);
  }

  void missingAttributesAreBadRequest()
  {
    auto s = signedSpec("1700086400:alice", NorthAlice);
    CPPUNIT_ASSERT(run(s).status == AuthStatus::Ok);
    auto noUser = s;
    noUser.username.reset();
    CPPUNIT_ASSERT(run(noUser).status == AuthStatus::BadRequest);
    auto noRealm = s;
    noRealm.realm.reset();
    CPPUNIT_ASSERT(run(noRealm).status == AuthStatus::BadRequest);
    auto noNonce = s;
    noNonce.nonce.reset();
    CPPUNIT_ASSERT(run(noNonce).status == AuthStatus::BadRequest);
  }

  void wrongRealmIsUnauthorized()
  {
    auto s = signedSpec("1700086400:alice", NorthAlice);
    s.realm = "other.example.org";
    auto r = run(s);
    CPPUNIT_ASSERT(r.status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT_EQUAL(std::string("realm-mismatch"), std::string(r.reason));
  }

  void badOrExpiredNonceIsStale()
  {
    auto s = signedSpec("1700086400:alice", NorthAlice);
    s.nonce = d_auth->freshNonce(addr("198.51.100.21:40000")); // issued to someone else
    auto r = run(s);
    CPPUNIT_ASSERT(r.status == AuthStatus::StaleNonce);
    CPPUNIT_ASSERT_EQUAL(std::string("invalid-nonce"), std::string(r.reason));
    s.nonce = "f//499k954d6OL34oL9FSTvy64sA";
    CPPUNIT_ASSERT(run(s).status == AuthStatus::StaleNonce);
    s = signedSpec("1700086400:alice", NorthAlice);
    d_clock->advance(601);
    r = run(s);
    CPPUNIT_ASSERT(r.status == AuthStatus::StaleNonce);
    CPPUNIT_ASSERT_EQUAL(std::string("stale-nonce"), std::string(r.reason));
    // The nonce is checked before the credentials: a stale nonce with a wrong password is 438.
    s = signedSpec("1700086400:alice", "wrong");
    d_clock->advance(601);
    CPPUNIT_ASSERT(run(s).status == AuthStatus::StaleNonce);
  }

  void restCredentialsInAllThreeForms()
  {
    auto r = run(signedSpec("1700086400:alice", NorthAlice));
    CPPUNIT_ASSERT(r.status == AuthStatus::Ok);
    CPPUNIT_ASSERT_EQUAL(std::string("1700086400:alice"), r.credential.username);
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), r.credential.realUserId);
    CPPUNIT_ASSERT_EQUAL(int64_t(1700086400), r.credential.expiry);
    CPPUNIT_ASSERT(r.usedSha1);
    CPPUNIT_ASSERT_EQUAL(size_t(0), r.sha256Size);
    CPPUNIT_ASSERT(std::equal(r.credential.key.bytes().begin(), r.credential.key.bytes().end(),
                              md5For("1700086400:alice", NorthAlice).bytes().begin()));
    r = run(signedSpec("1700086400", NorthBare));
    CPPUNIT_ASSERT(r.status == AuthStatus::Ok);
    CPPUNIT_ASSERT_EQUAL(std::string("1700086400"), r.credential.realUserId);
    r = run(signedSpec("bob:1700086400", NorthBob));
    CPPUNIT_ASSERT(r.status == AuthStatus::Ok);
    CPPUNIT_ASSERT_EQUAL(std::string("bob"), r.credential.realUserId);
  }

  void restWrongPasswordExpiredAndTooLong()
  {
    auto r = run(signedSpec("1700086400:alice", NorthBare));
    CPPUNIT_ASSERT(r.status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT_EQUAL(std::string("integrity-mismatch"), std::string(r.reason));
    // Same credentials one second after expiry.
    d_clock->setUnix(1700086401);
    r = run(signedSpec("1700086400:alice", NorthAlice));
    CPPUNIT_ASSERT(r.status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT_EQUAL(std::string("expired"), std::string(r.reason));
    // Max TTL of one hour: a day-long credential is refused.
    d_clock->setUnix(1700000000);
    d_auth->setCredentials(store({"north-secret"}, {}, 3600));
    r = run(signedSpec("1700086400:alice", NorthAlice));
    CPPUNIT_ASSERT(r.status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT_EQUAL(std::string("ttl-too-long"), std::string(r.reason));
    d_clock->setUnix(1700086400 - 3600);
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", NorthAlice)).status == AuthStatus::Ok);
    // Not REST and not a static user.
    r = run(signedSpec("mallory", "x"));
    CPPUNIT_ASSERT_EQUAL(std::string("unknown-user"), std::string(r.reason));
  }

  void rotationAcceptsBothSecretsAndSwaps()
  {
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", NorthAlice)).status == AuthStatus::Ok);
    auto south = run(signedSpec("1700086400:alice", SouthAlice));
    CPPUNIT_ASSERT(south.status == AuthStatus::Ok);
    const uint64_t before = d_auth->generation();
    // SIGHUP: the north secret is retired.
    d_auth->setCredentials(store({"south-secret"}));
    CPPUNIT_ASSERT(d_auth->generation() != before);
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", NorthAlice)).status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", SouthAlice)).status == AuthStatus::Ok);
    // A credential cached under the old generation is re-derived, not trusted blindly.
    d_auth->setCredentials(store({"north-secret"}));
    auto stale = south.credential; // derived from the south secret, generation now outdated
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", SouthAlice), &stale).status == AuthStatus::Unauthorized);
    // No store at all: nobody gets in.
    d_auth->setCredentials(nullptr);
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", NorthAlice)).status == AuthStatus::Unauthorized);
  }

  void staticUsersWithPasswordAndKey()
  {
    // printf %s 'alice:turn.example.org:s3cret' | openssl dgst -md5  → 97dd70e8…
    d_auth->setCredentials(store({}, {"alice:s3cret", "bob:0x97dd70e862b388cc9bca35cf859b548d"}));
    auto r = run(signedSpec("alice", "s3cret"));
    CPPUNIT_ASSERT(r.status == AuthStatus::Ok);
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), r.credential.realUserId);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), r.credential.expiry);
    // bob's precomputed key is alice's key material: a client using bob + that password verifies.
    RequestSpec s;
    s.username = "bob";
    s.nonce = d_auth->freshNonce(d_client);
    s.key = stun::IntegrityKey(test::fromHex("97dd70e862b388cc9bca35cf859b548d"));
    CPPUNIT_ASSERT(run(s).status == AuthStatus::Ok);
    CPPUNIT_ASSERT(run(signedSpec("alice", "S3cret")).status == AuthStatus::Unauthorized);
    // REST disabled in this store: a REST-looking username is just unknown.
    auto rest = run(signedSpec("1700086400:alice", NorthAlice));
    CPPUNIT_ASSERT_EQUAL(std::string("unknown-user"), std::string(rest.reason));
    // Both sources together: REST first, static as fallback.
    d_auth->setCredentials(store({"north-secret"}, {"alice:s3cret"}));
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", NorthAlice)).status == AuthStatus::Ok);
    CPPUNIT_ASSERT(run(signedSpec("alice", "s3cret")).status == AuthStatus::Ok);
  }

  void cachedCredentialFastPath()
  {
    auto first = run(signedSpec("1700086400:alice", NorthAlice));
    CPPUNIT_ASSERT(first.status == AuthStatus::Ok);
    Credential cached = first.credential;
    auto again = run(signedSpec("1700086400:alice", NorthAlice), &cached);
    CPPUNIT_ASSERT(again.status == AuthStatus::Ok);
    CPPUNIT_ASSERT_EQUAL(std::string("alice"), again.credential.realUserId);
    // Wrong key with the cached username: rejected.
    CPPUNIT_ASSERT(run(signedSpec("1700086400:alice", SouthAlice + std::string("x")), &cached).status ==
                   AuthStatus::Unauthorized);
    // A different username does not use the cache (441 is the server's decision, not ours).
    CPPUNIT_ASSERT(run(signedSpec("bob:1700086400", NorthBob), &cached).status == AuthStatus::Ok);
    // Expiry is rechecked on the fast path.
    d_clock->setUnix(1700086401);
    auto expired = run(signedSpec("1700086400:alice", NorthAlice), &cached);
    CPPUNIT_ASSERT(expired.status == AuthStatus::Unauthorized);
    CPPUNIT_ASSERT_EQUAL(std::string("expired"), std::string(expired.reason));
  }

  void sha256IntegrityAndPasswordAlgorithm()
  {
    const std::string user = "1700086400:alice";
    RequestSpec s;
    s.username = user;
    s.nonce = d_auth->freshNonce(d_client);
    s.key = stun::IntegrityKey(sha256Key(user, Realm, NorthAlice));
    s.sha256 = true;
    s.passwordAlgorithm = stun::PasswordAlgorithmSha256;
    auto r = run(s);
    CPPUNIT_ASSERT(r.status == AuthStatus::Ok);
    CPPUNIT_ASSERT(r.credential.algorithm == PasswordAlgorithm::Sha256);
    CPPUNIT_ASSERT_EQUAL(size_t(32), r.sha256Size);
    CPPUNIT_ASSERT(!r.usedSha1);
    // MI-SHA256 with the MD5 key (no PASSWORD-ALGORITHM) also works.
    s.passwordAlgorithm.reset();
    s.key = md5For(user, NorthAlice);
    CPPUNIT_ASSERT(run(s).status == AuthStatus::Ok);
    // The SHA-256 key claimed as MD5 does not verify.
    s.key = stun::IntegrityKey(sha256Key(user, Realm, NorthAlice));
    CPPUNIT_ASSERT(run(s).status == AuthStatus::Unauthorized);
    // Unknown algorithm → 400.
    s.passwordAlgorithm = 0x0003;
    CPPUNIT_ASSERT(run(s).status == AuthStatus::BadRequest);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthenticatorTest);
