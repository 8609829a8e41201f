// How much of the SFU's per-packet budget SRTP takes: protect + unprotect time per packet
// through SrtpSession (Debian's libsrtp2), for 1200-byte video and 100-byte audio packets,
// both profiles we negotiate. For scale it also times OpenSSL's EVP AES-128-GCM over the
// same payload (what a libsrtp built on OpenSSL would call; the floor for GCM).
//
// Times are CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID) per packet.
//
// usage: srtp-bench [packets-per-case]   (default 200000; use an optimised build)
#include "rtc/transport/SrtpSession.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <openssl/evp.h>
#include <vector>

using namespace talk::rtc;

namespace {

void fillRtp(uint8_t* p, uint16_t seq, size_t length)
{
  std::memset(p, 0x42, length);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  p[8] = 0x01;
  p[9] = 0x02;
  p[10] = 0x03;
  p[11] = 0x04;
}

struct Result
{
  double protectNs;
  double unprotectNs;
};

// CPU time of this thread: on a shared machine wall time mostly measures the neighbours.
double threadCpuNs()
{
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Protects batches of packets (sequence numbers advance, as on the wire), then unprotects
// the batch, timing the two halves separately.
Result run(SrtpProfile profile, size_t length, size_t packets)
{
  constexpr size_t Batch = 512;
  std::vector<uint8_t> key(srtpKeyLength(profile) + srtpSaltLength(profile), 0x11);
  SrtpSession out(SrtpSession::Direction::Outbound, profile, key);
  SrtpSession in(SrtpSession::Direction::Inbound, profile, key);
  const size_t stride = length + SrtpSession::MaxOverhead;
  std::vector<uint8_t> buffers(Batch * stride);
  std::vector<size_t> lengths(Batch);
  double protectNs = 0;
  double unprotectNs = 0;
  size_t done = 0;
  uint16_t seq = 0;
  while (done < packets) {
    const size_t n = std::min(Batch, packets - done);
    for (size_t i = 0; i < n; ++i) {
      fillRtp(&buffers[i * stride], seq++, length);
      lengths[i] = length;
    }
    const double t0 = threadCpuNs();
    for (size_t i = 0; i < n; ++i) {
      if (!out.protectRtp(std::span<uint8_t>(&buffers[i * stride], stride), lengths[i])) {
        std::fprintf(stderr, "protect failed\n");
        std::exit(1);
      }
    }
    const double t1 = threadCpuNs();
    for (size_t i = 0; i < n; ++i) {
      if (!in.unprotectRtp(&buffers[i * stride], lengths[i]) || lengths[i] != length) {
        std::fprintf(stderr, "unprotect failed\n");
        std::exit(1);
      }
    }
    const double t2 = threadCpuNs();
    protectNs += t1 - t0;
    unprotectNs += t2 - t1;
    done += n;
  }
  return {protectNs / static_cast<double>(packets), unprotectNs / static_cast<double>(packets)};
}

// AES-128-GCM seal of the payload with the header as AAD, context reused (key set once).
double opensslGcm(size_t length, size_t packets)
{
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const uint8_t key[16] = {0x11};
  uint8_t iv[12] = {0};
  EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key, nullptr);
  std::vector<uint8_t> buffer(length + 16);
  fillRtp(buffer.data(), 0, length);
  uint8_t tag[16];
  const double start = threadCpuNs();
  for (size_t i = 0; i < packets; ++i) {
    iv[11] = static_cast<uint8_t>(i);
    int n = 0;
    EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv);
    EVP_EncryptUpdate(ctx, nullptr, &n, buffer.data(), 12);
    EVP_EncryptUpdate(ctx, buffer.data() + 12, &n, buffer.data() + 12, static_cast<int>(length - 12));
    EVP_EncryptFinal_ex(ctx, buffer.data() + length, &n);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
  }
  const double end = threadCpuNs();
  EVP_CIPHER_CTX_free(ctx);
  return (end - start) / static_cast<double>(packets);
}

}

int main(int argc, char** argv)
{
  const size_t packets = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  if (packets == 0) {
    std::fprintf(stderr, "usage: srtp-bench [packets-per-case]\n");
    return 2;
  }
  TransportLibraryScope scope;
  std::printf("library: %s; %zu packets per case\n", TransportLibraryScope::srtpVersion(), packets);
  std::printf("%-24s %6s %12s %14s %12s\n", "profile", "bytes", "protect ns", "unprotect ns", "sum ns");
  for (SrtpProfile profile : {SrtpProfile::AeadAes128Gcm, SrtpProfile::AesCm128HmacSha1_80}) {
    for (size_t length : {size_t(1200), size_t(100)}) {
      run(profile, length, packets / 10); // warm-up
      const Result r = run(profile, length, packets);
      std::printf("%-24s %6zu %12.0f %14.0f %12.0f\n", srtpProfileName(profile), length, r.protectNs, r.unprotectNs,
                  r.protectNs + r.unprotectNs);
    }
  }
  for (size_t length : {size_t(1200), size_t(100)}) {
    opensslGcm(length, packets / 10);
    std::printf("%-24s %6zu %12.0f %14s %12s\n", "openssl-evp-aes128gcm", length, opensslGcm(length, packets), "-", "-");
  }
  return 0;
}
