// libFuzzer target: configuration files. The input is written to a file and read as a
// talk-turn configuration (libconfig++ parse, schema validation, then talk-turn's semantic
// checks of listen addresses, ports and prefixes). Any input must end in either settings
// or a talk::ConfigError; another exception or a crash is a bug.
#include "common/config/Schema.hpp"
#include "common/config/Settings.hpp"
#include "common/util/Error.hpp"
#include "turn/TurnSettings.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

struct Scratch
{
  std::string path;
  talk::config::Schema schema;
  Scratch()
  {
    char name[] = "/tmp/talk-fuzz-config.XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) {
      std::abort();
    }
    close(fd);
    path = name;
    talk::turn::describeTurnSettings(schema);
  }
  ~Scratch() { unlink(path.c_str()); }
};

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static Scratch s_scratch;
  FILE* file = std::fopen(s_scratch.path.c_str(), "wb");
  if (file == nullptr) {
    std::abort();
  }
  if (size > 0 && std::fwrite(data, 1, size, file) != size) {
    std::abort();
  }
  std::fclose(file);
  try {
    auto settings = talk::config::loadSettings(s_scratch.schema, s_scratch.path);
    (void)talk::turn::parseTurnConfig(settings);
  }
  catch (const talk::ConfigError&) {
    // the expected outcome for bad input: a message naming file, line and key
  }
  return 0;
}
