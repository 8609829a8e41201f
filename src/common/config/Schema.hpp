#pragma once
// The keys a configuration file may hold: dotted path, type, default, bounds, documentation.
// A Schema is built once at startup (describeCommonSettings, DaemonSpec::describeSettings)
// and then used to validate files (loadSettings) and to write the default file.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace talk::config {

enum class Type
{
  String,
  Integer,
  Number,
  Boolean,
  StringList,
  Choice,
  Secret,    // a string naming a secret file (see Settings::readSecret)
  GroupList, // ( { … }, { … } ): entries that each follow an element Schema
};

const char* typeName(Type type);

using Value = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;

struct KeySpec
{
  std::string path; // "nats.url"
  Type type{Type::String};
  Value def;
  int64_t min{0}; // Integer bounds
  int64_t max{0};
  double minNumber{0}; // Number bounds
  double maxNumber{0};
  std::vector<std::string> allowed; // Choice values
  std::string doc;
  std::shared_ptr<const class Schema> element; // GroupList: the keys of each entry
};

class Schema
{
public:
  Schema& string(std::string path, std::string def, std::string doc);
  Schema& integer(std::string path, int64_t def, int64_t min, int64_t max, std::string doc);
  // A floating-point value (integers are accepted in the file too).
  Schema& number(std::string path, double def, double min, double max, std::string doc);
  Schema& boolean(std::string path, bool def, std::string doc);
  Schema& stringList(std::string path, std::vector<std::string> def, std::string doc);
  // choice: a string restricted to listed values
  Schema& choice(std::string path, std::string def, std::vector<std::string> allowed, std::string doc);
  // A "*_file" key naming a secret: a string, read with Settings::readSecret. "" = not set.
  // `--check-config` reads every non-empty secret of the daemon's own file (and the
  // common secrets the daemon lists in DaemonSpec::commonSecrets).
  Schema& secret(std::string path, std::string def, std::string doc);
  // A list of groups, e.g. several backends:
  //   backends = ( { url = "https://a"; secret_file = "a"; }, { url = "https://b"; … } );
  // Each entry is validated against `element` (missing keys take its defaults); the
  // default is the empty list. Read with Settings::getGroupList.
  Schema& groupList(std::string path, Schema element, std::string doc);

  // Writes a complete file in libconfig syntax with every key at its default and its doc
  // as comment. `header` is written first, each line prefixed with "# ".
  std::string dumpDefaults(std::string_view header) const;

  // nullptr when path is not declared.
  const KeySpec* find(std::string_view path) const;
  // True when path is a group (a proper prefix of a declared key at a dot boundary).
  bool isGroup(std::string_view path) const;
  const std::vector<KeySpec>& keys() const { return d_keys; }

private:
  Schema& add(KeySpec spec);

  // State: in declaration order (dumpDefaults keeps it, grouped by prefix).
  std::vector<KeySpec> d_keys;
};

}
