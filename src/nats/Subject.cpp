#include "nats/Subject.hpp"

#include "nats/BusError.hpp"

#include <string>

namespace talk::nats {

namespace {

bool isSpace(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == '\0';
}

[[noreturn]] void reject(std::string_view subject, const char* why)
{
  std::string shown(subject.substr(0, 128));
  throw BusError(BusErrorCode::InvalidSubject, "invalid subject '" + shown + "': " + why);
}

// Walks the '.'-separated tokens; `visit(token, isLast)`.
template <typename Visit>
void forEachToken(std::string_view subject, Visit&& visit)
{
  size_t start = 0;
  while (true) {
    size_t dot = subject.find('.', start);
    bool last = dot == std::string_view::npos;
    visit(subject.substr(start, last ? std::string_view::npos : dot - start), last);
    if (last) {
      return;
    }
    start = dot + 1;
  }
}

void validate(std::string_view subject, bool allowWildcards)
{
  if (subject.empty()) {
    reject(subject, "empty");
  }
  for (char c : subject) {
    if (isSpace(c)) {
      reject(subject, "contains whitespace");
    }
  }
  forEachToken(subject, [&](std::string_view token, bool last) {
    if (token.empty()) {
      reject(subject, "empty token");
    }
    if (token == "*" || token == ">") {
      if (!allowWildcards) {
        reject(subject, "wildcards are not allowed here");
      }
      if (token == ">" && !last) {
        reject(subject, "'>' must be the last token");
      }
    }
  });
}

}

void Subject::validatePublish(std::string_view subject)
{
  validate(subject, false);
}

void Subject::validateSubscribe(std::string_view subject)
{
  validate(subject, true);
}

void Subject::validateQueueGroup(std::string_view queueGroup)
{
  for (char c : queueGroup) {
    if (isSpace(c)) {
      throw BusError(BusErrorCode::InvalidQueueGroup,
        "invalid queue group '" + std::string(queueGroup.substr(0, 128)) + "': contains whitespace");
    }
  }
}

bool Subject::matches(std::string_view pattern, std::string_view subject)
{
  size_t p = 0;
  size_t s = 0;
  while (true) {
    size_t pEnd = pattern.find('.', p);
    size_t sEnd = subject.find('.', s);
    std::string_view pToken = pattern.substr(p, pEnd == std::string_view::npos ? std::string_view::npos : pEnd - p);
    std::string_view sToken = subject.substr(s, sEnd == std::string_view::npos ? std::string_view::npos : sEnd - s);
    if (pToken == ">") {
      // '>' needs at least one token, which we have here.
      return true;
    }
    if (pToken != "*" && pToken != sToken) {
      return false;
    }
    bool pLast = pEnd == std::string_view::npos;
    bool sLast = sEnd == std::string_view::npos;
    if (pLast || sLast) {
      return pLast && sLast;
    }
    p = pEnd + 1;
    s = sEnd + 1;
  }
}

}
