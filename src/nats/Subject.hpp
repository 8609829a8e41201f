#pragma once
// NATS subject rules shared by both buses: validation and wildcard matching.
#include <string_view>

namespace talk::nats {

class Subject
{
public:
  // Throws BusError(InvalidSubject) with a message naming the problem.
  // Publish subjects (and reply subjects) may not contain wildcard tokens.
  static void validatePublish(std::string_view subject);
  // Subscription subjects may use `*` tokens and a final `>` token.
  static void validateSubscribe(std::string_view subject);
  // Throws BusError(InvalidQueueGroup); an empty queue group means "none" and is valid.
  static void validateQueueGroup(std::string_view queueGroup);

  // Does the (wildcard) pattern match the literal subject?
  static bool matches(std::string_view pattern, std::string_view subject);
};

}
