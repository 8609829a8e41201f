#include "common/config/Schema.hpp"

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace talk::config {

namespace {

bool validPath(std::string_view path)
{
  if (path.empty() || path.front() == '.' || path.back() == '.') {
    return false;
  }
  char previous = '.';
  for (char c : path) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (c == '.') {
      if (previous == '.') {
        return false;
      }
    }
    // libconfig names start with a letter or '*' and go on with letters, digits, '-', '_'.
    else if (previous == '.' ? !letter : !(letter || digit || c == '_' || c == '-')) {
      return false;
    }
    previous = c;
  }
  return true;
}

std::string quote(std::string_view text)
{
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out += hex;
      }
      else {
        out += c;
      }
    }
  }
  out += '"';
  return out;
}

std::string formatValue(const KeySpec& key)
{
  switch (key.type) {
  case Type::String:
  case Type::Choice:
  case Type::Secret:
    return quote(std::get<std::string>(key.def));
  case Type::Integer: {
    int64_t v = std::get<int64_t>(key.def);
    std::string text = std::to_string(v);
    // libconfig reads values beyond 32 bits only with the L suffix.
    if (v > INT32_MAX || v < INT32_MIN) {
      text += 'L';
    }
    return text;
  }
  case Type::Number: {
    char buf[64];
    auto result = std::to_chars(buf, buf + sizeof(buf), std::get<double>(key.def));
    std::string text(buf, result.ptr);
    if (text.find_first_of(".eEn") == std::string::npos) {
      text += ".0"; // otherwise libconfig would read an integer
    }
    return text;
  }
  case Type::Boolean:
    return std::get<bool>(key.def) ? "true" : "false";
  case Type::GroupList:
    return "( )";
  case Type::StringList: {
    const auto& list = std::get<std::vector<std::string>>(key.def);
    std::string text = "[";
    for (size_t i = 0; i < list.size(); ++i) {
      text += i == 0 ? " " : ", ";
      text += quote(list[i]);
    }
    text += list.empty() ? "]" : " ]";
    return text;
  }
  }
  return {};
}

std::string constraint(const KeySpec& key)
{
  switch (key.type) {
  case Type::Integer:
    return "Integer, " + std::to_string(key.min) + " to " + std::to_string(key.max) + ".";
  case Type::Number: {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "Number, %g to %g.", key.minNumber, key.maxNumber);
    return buf;
  }
  case Type::Choice: {
    std::string text = "One of:";
    for (size_t i = 0; i < key.allowed.size(); ++i) {
      text += (i == 0 ? " " : ", ") + key.allowed[i];
    }
    return text + ".";
  }
  case Type::Secret:
    return "Secret file name, relative to $CREDENTIALS_DIRECTORY or <configdir>/secrets/.";
  case Type::StringList:
    return "List of strings.";
  case Type::Boolean:
    return "true or false.";
  case Type::GroupList: {
    std::string text = "List of groups ( { … }, { … } ); the keys of each group:";
    for (const auto& k : key.element->keys()) {
      std::string doc = k.doc.substr(0, k.doc.find('\n'));
      text += "\n  " + k.path + " (" + typeName(k.type) + ", default " + formatValue(k) + "): " + doc;
    }
    return text;
  }
  case Type::String:
    break;
  }
  return {};
}

void writeComment(std::string& out, const std::string& indent, std::string_view text)
{
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    out += indent;
    out += line.empty() ? "#" : "# ";
    out += line;
    out += '\n';
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
}

// Writes every key under `prefix` (a group path, "" for the root), in declaration order,
// each subgroup where its first key was declared.
void writeGroup(std::string& out, const std::vector<KeySpec>& keys, const std::string& prefix, int depth)
{
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  std::vector<std::string> groupsDone;
  bool first = true;
  for (const auto& key : keys) {
    if (key.path.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    std::string_view rest = std::string_view(key.path).substr(prefix.size());
    size_t dot = rest.find('.');
    std::string group(dot == std::string_view::npos ? std::string_view{} : rest.substr(0, dot));
    if (!group.empty()) {
      bool done = false;
      for (const auto& g : groupsDone) {
        done = done || g == group;
      }
      if (done) {
        continue;
      }
      groupsDone.push_back(group);
    }
    if (!first) {
      out += '\n';
    }
    first = false;
    if (group.empty()) {
      writeComment(out, indent, key.doc);
      std::string extra = constraint(key);
      if (!extra.empty()) {
        writeComment(out, indent, extra);
      }
      out += indent + std::string(rest) + " = " + formatValue(key) + ";\n";
    }
    else {
      out += indent + group + ":\n" + indent + "{\n";
      writeGroup(out, keys, prefix + group + ".", depth + 1);
      out += indent + "};\n";
    }
  }
}

}

const char* typeName(Type type)
{
  switch (type) {
  case Type::String:
    return "a string";
  case Type::Integer:
    return "an integer";
  case Type::Number:
    return "a number";
  case Type::Boolean:
    return "true or false";
  case Type::StringList:
    return "a list of strings";
  case Type::Choice:
    return "a string";
  case Type::Secret:
    return "a file name (string)";
  case Type::GroupList:
    return "a list of groups ( { … }, … )";
  }
  return "?";
}

Schema& Schema::add(KeySpec spec)
{
  if (!validPath(spec.path)) {
    throw std::logic_error("config schema: invalid key name '" + spec.path + "'");
  }
  for (const auto& key : d_keys) {
    bool clash = key.path == spec.path || key.path.rfind(spec.path + ".", 0) == 0 || spec.path.rfind(key.path + ".", 0) == 0;
    if (clash) {
      throw std::logic_error("config schema: key '" + spec.path + "' clashes with '" + key.path + "'");
    }
  }
  d_keys.push_back(std::move(spec));
  return *this;
}

namespace {

KeySpec makeKey(std::string path, Type type, Value def, std::string doc)
{
  KeySpec key;
  key.path = std::move(path);
  key.type = type;
  key.def = std::move(def);
  key.doc = std::move(doc);
  return key;
}

}

Schema& Schema::string(std::string path, std::string def, std::string doc)
{
  return add(makeKey(std::move(path), Type::String, std::move(def), std::move(doc)));
}

Schema& Schema::integer(std::string path, int64_t def, int64_t min, int64_t max, std::string doc)
{
  if (min > max || def < min || def > max) {
    throw std::logic_error("config schema: default of '" + path + "' out of its range");
  }
  KeySpec key = makeKey(std::move(path), Type::Integer, def, std::move(doc));
  key.min = min;
  key.max = max;
  return add(std::move(key));
}

Schema& Schema::number(std::string path, double def, double min, double max, std::string doc)
{
  if (!(min <= max) || !(def >= min) || !(def <= max)) {
    throw std::logic_error("config schema: default of '" + path + "' out of its range");
  }
  KeySpec key = makeKey(std::move(path), Type::Number, def, std::move(doc));
  key.minNumber = min;
  key.maxNumber = max;
  return add(std::move(key));
}

Schema& Schema::boolean(std::string path, bool def, std::string doc)
{
  return add(makeKey(std::move(path), Type::Boolean, def, std::move(doc)));
}

Schema& Schema::stringList(std::string path, std::vector<std::string> def, std::string doc)
{
  return add(makeKey(std::move(path), Type::StringList, std::move(def), std::move(doc)));
}

Schema& Schema::choice(std::string path, std::string def, std::vector<std::string> allowed, std::string doc)
{
  bool known = false;
  for (const auto& a : allowed) {
    known = known || a == def;
  }
  if (!known) {
    throw std::logic_error("config schema: default of '" + path + "' is not an allowed value");
  }
  KeySpec key = makeKey(std::move(path), Type::Choice, std::move(def), std::move(doc));
  key.allowed = std::move(allowed);
  return add(std::move(key));
}

Schema& Schema::secret(std::string path, std::string def, std::string doc)
{
  return add(makeKey(std::move(path), Type::Secret, std::move(def), std::move(doc)));
}

Schema& Schema::groupList(std::string path, Schema element, std::string doc)
{
  for (const auto& k : element.keys()) {
    if (k.type == Type::GroupList) {
      throw std::logic_error("config schema: '" + path + "' nests a list of groups");
    }
  }
  KeySpec key = makeKey(std::move(path), Type::GroupList, std::vector<std::string>{}, std::move(doc));
  key.element = std::make_shared<const Schema>(std::move(element));
  return add(std::move(key));
}

const KeySpec* Schema::find(std::string_view path) const
{
  for (const auto& key : d_keys) {
    if (key.path == path) {
      return &key;
    }
  }
  return nullptr;
}

bool Schema::isGroup(std::string_view path) const
{
  for (const auto& key : d_keys) {
    if (key.path.size() > path.size() && key.path[path.size()] == '.' && key.path.compare(0, path.size(), path) == 0) {
      return true;
    }
  }
  return false;
}

std::string Schema::dumpDefaults(std::string_view header) const
{
  std::string out;
  writeComment(out, "", header);
  if (!out.empty()) {
    out += '\n';
  }
  writeGroup(out, d_keys, "", 0);
  return out;
}

}
