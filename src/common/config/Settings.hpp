#pragma once
// Values read from one configuration file and validated against a Schema. A Settings
// object never changes after loadSettings() returns it (SIGHUP builds a new one).
#include "common/config/Schema.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace talk::config {

class Settings
{
public:
  struct Entry
  {
    const KeySpec* spec{nullptr}; // points into schema(); the Schema outlives its Settings
    Value value;
    int line{0}; // 0 = default (not in the file)
  };

  // All defaults, as if the file were empty. file names the file for messages.
  Settings(const Schema& schema, std::string file);

  // Typed getters. Asking for an undeclared path or the wrong type is a programming error
  // (std::logic_error), not a configuration error.
  const std::string& getString(std::string_view path) const; // String, Choice and Secret
  int64_t getInt(std::string_view path) const;
  double getNumber(std::string_view path) const;
  bool getBool(std::string_view path) const;
  const std::vector<std::string>& getStringList(std::string_view path) const;
  // The entries of a Schema::groupList key, each with the element schema's keys; their
  // where() and readSecret() name this file and the entry's own lines.
  const std::vector<Settings>& getGroupList(std::string_view path) const;

  // True when the file sets path explicitly.
  bool isSet(std::string_view path) const;
  // "file:line" or "file (default)" for messages.
  std::string where(std::string_view path) const;
  // The file these values came from and its directory ("." when it has none).
  const std::string& file() const { return d_file; }
  std::string directory() const;

  // Reads a secret named by a "*_file" key: relative names resolve against
  // $CREDENTIALS_DIRECTORY (systemd LoadCredential=), else against <configdir>/secrets/.
  // Absolute names are used as they are. Trailing newline stripped.
  // Missing/unreadable/empty/not set → ConfigError naming file:line: key.
  std::string readSecret(std::string_view path) const;
  // A secret file of one entry per line (tokens, static users): readSecret, then the lines
  // without surrounding blanks, skipping empty lines and lines starting with '#'.
  std::vector<std::string> readSecretLines(std::string_view path) const;
  // The absolute or relative file name readSecret would open ("" when the key is empty);
  // for libraries that want a path (a NATS .creds file).
  std::string secretPath(std::string_view path) const;

  // Used by loadSettings while reading the file.
  void set(const std::string& path, Value value, int line);
  void setGroupList(const std::string& path, std::vector<Settings> entries, int line);
  // Entries of a list of groups name their keys "backends[1].url" in messages.
  void setKeyPrefix(std::string prefix) { d_keyPrefix = std::move(prefix); }
  const Schema& schema() const { return *d_schema; }

private:
  const Entry& entry(std::string_view path, Type a, Type b = Type::String, Type c = Type::String) const;

  // Passed by argument (not owned)
  const Schema* d_schema;
  // State
  std::string d_file;
  std::string d_keyPrefix;
  std::map<std::string, Entry, std::less<>> d_entries;
  std::map<std::string, std::vector<Settings>, std::less<>> d_groupLists;
};

// Parses file with libconfig++ against schema. Unknown keys, wrong types, out-of-range
// numbers and syntax errors throw talk::ConfigError "file:line: key: expected …".
// A missing file is an error unless optional=true (then all defaults).
Settings loadSettings(const Schema& schema, const std::string& file, bool optional = false);

}
