// Shared CppUnit runner: prints CppUnit's report, then the line CI reads:
// "N passed, N failed". Optional argument: a test name to run alone.
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <cstdio>
#include <iostream>

int main(int argc, char** argv)
{
  CppUnit::TestResult controller;
  CppUnit::TestResultCollector collector;
  controller.addListener(&collector);
  CppUnit::BriefTestProgressListener progress;
  controller.addListener(&progress);

  CppUnit::TestRunner runner;
  runner.addTest(CppUnit::TestFactoryRegistry::getRegistry().makeTest());
  try {
    runner.run(controller, argc > 1 ? argv[1] : "");
  }
  catch (const std::exception& e) {
    std::cerr << "test selection failed: " << e.what() << "\n";
    std::printf("0 passed, 1 failed\n");
    return 1;
  }
  CppUnit::CompilerOutputter outputter(&collector, std::cerr);
  outputter.write();

  int run = collector.runTests();
  int failed = collector.testFailuresTotal();
  std::printf("%d passed, %d failed\n", run - failed, failed);
  return failed == 0 ? 0 : 1;
}
