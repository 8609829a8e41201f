#include "nats/BusError.hpp"
#include "nats/Subject.hpp"

#include <cppunit/extensions/HelperMacros.h>

using talk::nats::BusError;
using talk::nats::Subject;

class SubjectTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SubjectTest);
  CPPUNIT_TEST(literalMatching);
  CPPUNIT_TEST(starMatchesExactlyOneToken);
  CPPUNIT_TEST(tailMatchesOneOrMoreTokens);
  CPPUNIT_TEST(validation);
  CPPUNIT_TEST_SUITE_END();

public:
  void literalMatching()
  {
    CPPUNIT_ASSERT(Subject::matches("a.b.c", "a.b.c"));
    CPPUNIT_ASSERT(!Subject::matches("a.b.c", "a.b"));
    CPPUNIT_ASSERT(!Subject::matches("a.b", "a.b.c"));
    CPPUNIT_ASSERT(!Subject::matches("a.b", "a.bc"));
    CPPUNIT_ASSERT(!Subject::matches("ab", "a"));
  }

  void starMatchesExactlyOneToken()
  {
    CPPUNIT_ASSERT(Subject::matches("a.*", "a.b"));
    CPPUNIT_ASSERT(!Subject::matches("a.*", "a"));
    CPPUNIT_ASSERT(!Subject::matches("a.*", "a.b.c"));
    CPPUNIT_ASSERT(Subject::matches("*.b.*", "x.b.y"));
    CPPUNIT_ASSERT(!Subject::matches("*.b.*", "x.c.y"));
    CPPUNIT_ASSERT(Subject::matches("*", "anything"));
    CPPUNIT_ASSERT(!Subject::matches("*", "two.tokens"));
  }

  void tailMatchesOneOrMoreTokens()
  {
    CPPUNIT_ASSERT(Subject::matches("a.>", "a.b"));
    CPPUNIT_ASSERT(Subject::matches("a.>", "a.b.c.d"));
    CPPUNIT_ASSERT(!Subject::matches("a.>", "a"));
    CPPUNIT_ASSERT(Subject::matches(">", "x"));
    CPPUNIT_ASSERT(Subject::matches(">", "x.y.z"));
    CPPUNIT_ASSERT(Subject::matches("*.>", "x.y"));
    CPPUNIT_ASSERT(!Subject::matches("*.>", "x"));
  }

  void validation()
  {
    Subject::validatePublish("a.b-c_d.1");
    Subject::validateSubscribe("a.*.>");
    Subject::validateSubscribe(">");
    CPPUNIT_ASSERT_THROW(Subject::validatePublish("a.*"), BusError);
    CPPUNIT_ASSERT_THROW(Subject::validateSubscribe("a.>.b"), BusError);
    CPPUNIT_ASSERT_THROW(Subject::validateSubscribe("a b"), BusError);
    CPPUNIT_ASSERT_THROW(Subject::validateSubscribe(std::string("a\0b", 3)), BusError);
    CPPUNIT_ASSERT_THROW(Subject::validatePublish(""), BusError);
    CPPUNIT_ASSERT_THROW(Subject::validateQueueGroup("q g"), BusError);
    Subject::validateQueueGroup("");
    Subject::validateQueueGroup("workers");
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SubjectTest);
