// libFuzzer target: NATS subject validation and wildcard matching. The input is split at
// the first NUL into a pattern and a subject. Validation may only throw BusError, and the
// matcher must agree with a literal comparison whenever the pattern has no wildcard.
#include "nats/BusError.hpp"
#include "nats/Subject.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using talk::nats::BusError;
using talk::nats::Subject;

namespace {

bool validSubscribe(std::string_view subject)
{
  try {
    Subject::validateSubscribe(subject);
    return true;
  }
  catch (const BusError&) {
    return false;
  }
}

bool validPublish(std::string_view subject)
{
  try {
    Subject::validatePublish(subject);
    return true;
  }
  catch (const BusError&) {
    return false;
  }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view pattern = input.substr(0, nul);
  std::string_view subject = nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);

  bool patternOk = validSubscribe(pattern);
  bool subjectOk = validPublish(subject);
  try {
    Subject::validateQueueGroup(subject);
  }
  catch (const BusError&) {
  }
  // A valid publish subject is also a valid subscription (wildcard-free) subject.
  if (subjectOk && !validSubscribe(subject)) {
    std::abort();
  }
  if (patternOk && subjectOk) {
    bool literal = validPublish(pattern);
    if (literal && Subject::matches(pattern, subject) != (pattern == subject)) {
      std::abort();
    }
    // Every valid subject matches itself and the full wildcard.
    if (!Subject::matches(subject, subject) || !Subject::matches(">", subject)) {
      std::abort();
    }
  }
  return 0;
}
