#include "common/config/Settings.hpp"

#include "common/util/Error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <libconfig.h++>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace talk::config {

namespace {

// Secrets are tokens, keys, certificate chains or small user lists; anything bigger is a
// mistake (a wrong path), not a secret.
constexpr size_t MaxSecretSize = 1024 * 1024;

std::string joinAllowed(const std::vector<std::string>& allowed)
{
  std::string text;
  for (size_t i = 0; i < allowed.size(); ++i) {
    text += (i == 0 ? "" : ", ") + allowed[i];
  }
  return text;
}

class Reader
{
public:
  // display: prefix of key names in messages ("backends[1]." inside a list of groups).
  Reader(const Schema& schema, const std::string& file, Settings& out, std::string display = {}) :
    d_schema(schema), d_file(file), d_out(out), d_display(std::move(display)) {}

  void readGroup(const libconfig::Setting& group, const std::string& prefix)
  {
    for (int i = 0; i < group.getLength(); ++i) {
      const libconfig::Setting& child = group[i];
      const char* name = child.getName();
      std::string path = prefix + (name != nullptr ? name : "");
      readSetting(child, path);
    }
  }

private:
  [[noreturn]] void fail(const libconfig::Setting& setting, const std::string& path, const std::string& message) const
  {
    const char* file = setting.getSourceFile();
    throw ConfigError((file != nullptr ? std::string(file) : d_file) + ":" + std::to_string(setting.getSourceLine()) + ": " + d_display + path + ": " + message);
  }

  // The names allowed next to path (same group), for the "unknown key" message.
  std::string knownKeysUnder(const std::string& path) const
  {
    size_t dot = path.rfind('.');
    std::string group = dot == std::string::npos ? std::string() : path.substr(0, dot + 1);
    std::vector<std::string> names;
    for (const auto& key : d_schema.keys()) {
      if (key.path.compare(0, group.size(), group) != 0) {
        continue;
      }
      std::string_view rest = std::string_view(key.path).substr(group.size());
      std::string name(rest.substr(0, rest.find('.')));
      bool seen = false;
      for (const auto& n : names) {
        seen = seen || n == name;
      }
      if (!seen) {
        names.push_back(name);
      }
    }
    std::string text;
    for (size_t i = 0; i < names.size(); ++i) {
      text += (i == 0 ? " " : ", ") + names[i];
    }
    return text;
  }

  void readSetting(const libconfig::Setting& setting, const std::string& path)
  {
    const KeySpec* spec = d_schema.find(path);
    if (setting.isGroup()) {
      if (d_schema.isGroup(path)) {
        readGroup(setting, path + ".");
        return;
      }
      if (spec != nullptr) {
        fail(setting, path, std::string("expected ") + typeName(spec->type) + ", not a group");
      }
      fail(setting, path, "unknown key, expected one of:" + knownKeysUnder(path));
    }
    if (spec == nullptr) {
      if (d_schema.isGroup(path)) {
        fail(setting, path, "expected a group { … }");
      }
      fail(setting, path, "unknown key, expected one of:" + knownKeysUnder(path));
    }
    if (spec->type == Type::GroupList) {
      readGroupList(setting, *spec);
      return;
    }
    d_out.set(path, convert(setting, *spec), static_cast<int>(setting.getSourceLine()));
  }

  void readGroupList(const libconfig::Setting& setting, const KeySpec& spec)
  {
    // "( )" is an empty list; "[ ]" is accepted as one too.
    if (!setting.isList() && !(setting.isArray() && setting.getLength() == 0)) {
      fail(setting, spec.path, "expected a list of groups ( { … }, … )");
    }
    std::vector<Settings> entries;
    for (int i = 0; i < setting.getLength(); ++i) {
      const libconfig::Setting& item = setting[i];
      std::string display = d_display + spec.path + "[" + std::to_string(i) + "].";
      if (!item.isGroup()) {
        throw ConfigError(d_file + ":" + std::to_string(item.getSourceLine()) + ": " + d_display + spec.path + "[" + std::to_string(i) + "]: expected a group { … }");
      }
      Settings entry(*spec.element, d_file);
      entry.setKeyPrefix(display);
      Reader reader(*spec.element, d_file, entry, display);
      reader.readGroup(item, "");
      entries.push_back(std::move(entry));
    }
    d_out.setGroupList(spec.path, std::move(entries), static_cast<int>(setting.getSourceLine()));
  }

  Value convert(const libconfig::Setting& setting, const KeySpec& spec) const
  {
    auto type = setting.getType();
    bool isInteger = type == libconfig::Setting::TypeInt || type == libconfig::Setting::TypeInt64;
    switch (spec.type) {
    case Type::String:
    case Type::Secret:
      if (type != libconfig::Setting::TypeString) {
        fail(setting, spec.path, std::string("expected ") + typeName(spec.type));
      }
      return std::string(static_cast<const char*>(setting));
    case Type::Choice: {
      if (type != libconfig::Setting::TypeString) {
        fail(setting, spec.path, "expected one of " + joinAllowed(spec.allowed));
      }
      std::string value = static_cast<const char*>(setting);
      for (const auto& a : spec.allowed) {
        if (a == value) {
          return value;
        }
      }
      fail(setting, spec.path, "expected one of " + joinAllowed(spec.allowed) + ", not \"" + value + "\"");
    }
    case Type::Integer: {
      if (!isInteger) {
        fail(setting, spec.path, "expected an integer");
      }
      int64_t value = static_cast<long long>(setting);
      if (value < spec.min || value > spec.max) {
        fail(setting, spec.path, "expected an integer from " + std::to_string(spec.min) + " to " + std::to_string(spec.max) + ", not " + std::to_string(value));
      }
      return value;
    }
    case Type::Number: {
      if (!isInteger && type != libconfig::Setting::TypeFloat) {
        fail(setting, spec.path, "expected a number");
      }
      double value = isInteger ? static_cast<double>(static_cast<long long>(setting)) : static_cast<double>(setting);
      if (!(value >= spec.minNumber && value <= spec.maxNumber)) {
        std::ostringstream text;
        text << "expected a number from " << spec.minNumber << " to " << spec.maxNumber << ", not " << value;
        fail(setting, spec.path, text.str());
      }
      return value;
    }
    case Type::Boolean:
      if (type != libconfig::Setting::TypeBoolean) {
        fail(setting, spec.path, "expected true or false");
      }
      return static_cast<bool>(setting);
    case Type::StringList: {
      if (!setting.isArray() && !setting.isList()) {
        fail(setting, spec.path, "expected a list of strings [ \"…\", … ]");
      }
      std::vector<std::string> list;
      for (int i = 0; i < setting.getLength(); ++i) {
        const libconfig::Setting& item = setting[i];
        if (item.getType() != libconfig::Setting::TypeString) {
          fail(setting, spec.path, "expected a list of strings [ \"…\", … ]");
        }
        list.emplace_back(static_cast<const char*>(item));
      }
      return list;
    }
    case Type::GroupList:
      break;
    }
    fail(setting, spec.path, "unsupported type");
  }

  const Schema& d_schema;
  const std::string& d_file;
  Settings& d_out;
  std::string d_display;
};

}

Settings::Settings(const Schema& schema, std::string file) :
  d_schema(&schema), d_file(std::move(file))
{
  for (const auto& key : schema.keys()) {
    d_entries.emplace(key.path, Entry{&key, key.def, 0});
    if (key.type == Type::GroupList) {
      d_groupLists.emplace(key.path, std::vector<Settings>{});
    }
  }
}

void Settings::setGroupList(const std::string& path, std::vector<Settings> entries, int line)
{
  auto it = d_groupLists.find(path);
  if (it == d_groupLists.end()) {
    throw std::logic_error("config: set of undeclared list " + path);
  }
  it->second = std::move(entries);
  d_entries.find(path)->second.line = line;
}

const std::vector<Settings>& Settings::getGroupList(std::string_view path) const
{
  entry(path, Type::GroupList, Type::GroupList, Type::GroupList);
  return d_groupLists.find(path)->second;
}

void Settings::set(const std::string& path, Value value, int line)
{
  auto it = d_entries.find(path);
  if (it == d_entries.end()) {
    throw std::logic_error("config: set of undeclared key " + path);
  }
  it->second.value = std::move(value);
  it->second.line = line;
}

const Settings::Entry& Settings::entry(std::string_view path, Type a, Type b, Type c) const
{
  auto it = d_entries.find(path);
  if (it == d_entries.end()) {
    throw std::logic_error("config: no such key " + std::string(path));
  }
  Type t = it->second.spec->type;
  if (t != a && t != b && t != c) {
    throw std::logic_error("config: key " + std::string(path) + " is " + typeName(t));
  }
  return it->second;
}

const std::string& Settings::getString(std::string_view path) const
{
  return std::get<std::string>(entry(path, Type::String, Type::Choice, Type::Secret).value);
}

int64_t Settings::getInt(std::string_view path) const
{
  return std::get<int64_t>(entry(path, Type::Integer, Type::Integer, Type::Integer).value);
}

double Settings::getNumber(std::string_view path) const
{
  return std::get<double>(entry(path, Type::Number, Type::Number, Type::Number).value);
}

bool Settings::getBool(std::string_view path) const
{
  return std::get<bool>(entry(path, Type::Boolean, Type::Boolean, Type::Boolean).value);
}

const std::vector<std::string>& Settings::getStringList(std::string_view path) const
{
  return std::get<std::vector<std::string>>(entry(path, Type::StringList, Type::StringList, Type::StringList).value);
}

bool Settings::isSet(std::string_view path) const
{
  auto it = d_entries.find(path);
  return it != d_entries.end() && it->second.line > 0;
}

std::string Settings::where(std::string_view path) const
{
  auto it = d_entries.find(path);
  if (it == d_entries.end() || it->second.line == 0) {
    return d_file + " (default)";
  }
  return d_file + ":" + std::to_string(it->second.line);
}

std::string Settings::directory() const
{
  size_t slash = d_file.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : d_file.substr(0, slash);
}

std::string Settings::secretPath(std::string_view path) const
{
  const std::string& name = std::get<std::string>(entry(path, Type::Secret, Type::Secret, Type::Secret).value);
  if (name.empty() || name.front() == '/') {
    return name;
  }
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (credentials != nullptr && *credentials != '\0') {
    return std::string(credentials) + "/" + name;
  }
  return directory() + "/secrets/" + name;
}

std::vector<std::string> Settings::readSecretLines(std::string_view path) const
{
  const std::string text = readSecret(path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    const size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] != '#') {
      lines.push_back(line.substr(first));
    }
    start = end + 1;
  }
  return lines;
}

std::string Settings::readSecret(std::string_view path) const
{
  std::string prefix = where(path) + ": " + d_keyPrefix + std::string(path) + ": ";
  std::string file = secretPath(path);
  if (file.empty()) {
    throw ConfigError(prefix + "not set, expected the name of a secret file");
  }
  std::ifstream in(file, std::ios::binary);
  struct stat st
  {
  };
  if (!in || ::stat(file.c_str(), &st) != 0) {
    int err = errno;
    throw ConfigError(prefix + "cannot read secret file " + file + ": " + std::strerror(err != 0 ? err : ENOENT) + ", expected a readable file");
  }
  if (!S_ISREG(st.st_mode)) {
    throw ConfigError(prefix + "secret " + file + " is not a regular file, expected a readable file");
  }
  std::string secret;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    secret.append(buf, static_cast<size_t>(in.gcount()));
    if (secret.size() > MaxSecretSize) {
      throw ConfigError(prefix + "secret file " + file + " is larger than 1 MiB, expected a secret");
    }
  }
  if (in.bad()) {
    throw ConfigError(prefix + "cannot read secret file " + file + ", expected a readable file");
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
    secret.pop_back();
  }
  if (secret.empty()) {
    throw ConfigError(prefix + "secret file " + file + " is empty, expected a non-empty secret");
  }
  return secret;
}

Settings loadSettings(const Schema& schema, const std::string& file, bool optional)
{
  Settings settings(schema, file);
  struct stat st
  {
  };
  if (::stat(file.c_str(), &st) != 0) {
    int err = errno;
    if (optional && err == ENOENT) {
      return settings;
    }
    throw ConfigError(file + ": cannot read: " + std::strerror(err) + ", expected a configuration file");
  }
  if (S_ISDIR(st.st_mode)) {
    throw ConfigError(file + ": is a directory, expected a configuration file");
  }
  libconfig::Config config;
  // Types are checked here, against the schema; conversions happen only after that.
  config.setAutoConvert(true);
  std::string dir = settings.directory();
  config.setIncludeDir(dir.c_str());
  try {
    config.readFile(file.c_str());
  }
  catch (const libconfig::ParseException& e) {
    const char* where = e.getFile();
    std::string detail = e.getError() != nullptr ? e.getError() : "";
    std::string what = detail.empty() || detail == "syntax error" ? std::string("syntax error") : "syntax error: " + detail;
    throw ConfigError((where != nullptr ? std::string(where) : file) + ":" + std::to_string(e.getLine()) + ": " + what + ", expected libconfig syntax (key = value;)");
  }
  catch (const libconfig::FileIOException&) {
    int err = errno;
    throw ConfigError(file + ": cannot read: " + std::strerror(err != 0 ? err : EIO) + ", expected a readable configuration file");
  }
  Reader reader(schema, file, settings);
  reader.readGroup(config.getRoot(), "");
  return settings;
}

}
