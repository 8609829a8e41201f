#include "signaling/SessionIdCodec.hpp"

#include "common/crypto/Crypto.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

namespace talk::signaling {

namespace {

constexpr size_t IvBytes = 16;
constexpr size_t MacBytes = 12;
constexpr size_t MaxIdBytes = 512;

std::vector<uint8_t> deriveKey(std::string_view secret, std::string_view label)
{
  std::vector<uint8_t> key(32);
  if (secret.empty()) {
    crypto::randomBytes(key);
    return key;
  }
  auto digest = crypto::hmacSha256(crypto::bytes(secret), crypto::bytes(label));
  std::copy(digest.begin(), digest.end(), key.begin());
  return key;
}

const char* kindName(SessionIdCodec::Kind kind)
{
  return kind == SessionIdCodec::Kind::Public ? "public-session|" : "private-session|";
}

std::string base64UrlEncode(const std::vector<uint8_t>& data)
{
  std::string text = crypto::base64Encode(data);
  for (char& c : text) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  return text;
}

std::optional<std::vector<uint8_t>> base64UrlDecode(std::string_view text)
{
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
  }
  while (standard.size() % 4 != 0) {
    standard += '=';
  }
  return crypto::base64Decode(standard);
}

struct CipherCtxDeleter
{
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

void putU64(std::vector<uint8_t>& out, uint64_t value)
{
  for (int i = 7; i >= 0; --i) {
    out.push_back(static_cast<uint8_t>(value >> (i * 8)));
  }
}

uint64_t getU64(const uint8_t* in)
{
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | in[i];
  }
  return value;
}

}

SessionIdCodec::SessionIdCodec(std::string_view hashKey, std::string_view blockKey) :
  d_macKey(deriveKey(hashKey, "talk-signaling session id mac")),
  d_cipherKey(deriveKey(blockKey, "talk-signaling session id cipher"))
{
}

std::vector<uint8_t> SessionIdCodec::crypt(const uint8_t* iv, const std::vector<uint8_t>& in) const
{
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  std::vector<uint8_t> out(in.size() + 16);
  int written = 0;
  int final = 0;
  // CTR mode: encryption and decryption are the same operation.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ctr(), nullptr, d_cipherKey.data(), iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final) != 1) {
    throw std::runtime_error("AES-CTR failed");
  }
  out.resize(static_cast<size_t>(written + final));
  return out;
}

std::string SessionIdCodec::encode(Kind kind, const SessionIdData& data) const
{
  std::vector<uint8_t> plain;
  putU64(plain, data.sid);
  putU64(plain, static_cast<uint64_t>(data.createdMicros));
  plain.insert(plain.end(), data.backendId.begin(), data.backendId.end());

  std::vector<uint8_t> raw(IvBytes);
  crypto::randomBytes(raw);
  std::vector<uint8_t> cipher = crypt(raw.data(), plain);
  raw.insert(raw.end(), cipher.begin(), cipher.end());

  std::string macInput = kindName(kind);
  macInput.append(reinterpret_cast<const char*>(raw.data()), raw.size());
  auto mac = crypto::hmacSha256(d_macKey, crypto::bytes(macInput));
  raw.insert(raw.end(), mac.begin(), mac.begin() + MacBytes);
  if (kind == Kind::Public) {
    std::reverse(raw.begin(), raw.end());
  }
  return base64UrlEncode(raw);
}

std::optional<SessionIdData> SessionIdCodec::decode(Kind kind, std::string_view id) const
{
  if (id.empty() || id.size() > MaxIdBytes) {
    return std::nullopt;
  }
  auto decoded = base64UrlDecode(id);
  if (!decoded || decoded->size() < IvBytes + 16 + MacBytes) {
    return std::nullopt;
  }
  std::vector<uint8_t>& raw = *decoded;
  if (kind == Kind::Public) {
    std::reverse(raw.begin(), raw.end());
  }
  const size_t body = raw.size() - MacBytes;
  std::string macInput = kindName(kind);
  macInput.append(reinterpret_cast<const char*>(raw.data()), body);
  auto mac = crypto::hmacSha256(d_macKey, crypto::bytes(macInput));
  if (!crypto::constantTimeEquals(std::span<const uint8_t>(mac.data(), MacBytes), std::span<const uint8_t>(raw.data() + body, MacBytes))) {
    return std::nullopt;
  }
  std::vector<uint8_t> cipher(raw.begin() + IvBytes, raw.begin() + static_cast<std::ptrdiff_t>(body));
  std::vector<uint8_t> plain = crypt(raw.data(), cipher);
  SessionIdData data;
  data.sid = getU64(plain.data());
  data.createdMicros = static_cast<int64_t>(getU64(plain.data() + 8));
  data.backendId.assign(plain.begin() + 16, plain.end());
  return data;
}

}
