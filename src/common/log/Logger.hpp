#pragma once
// printf-style logging checked by the compiler. Include only from .cpp files, after
// defining TLOG_COMPONENT, e.g.:
//   #define TLOG_COMPONENT "turn"
//   #include "common/log/Logger.hpp"
// Identifiers are logged as key=value. Never pass a secret to these macros.
#include <string>
#include <string_view>

namespace talk::log {

// Values are syslog priorities, so they map straight onto journald's <N> prefixes.
enum class Level : int
{
  Error = 3,
  Warning = 4,
  Notice = 5,
  Info = 6,
  Debug = 7,
};

// Parses "error", "warning", "notice", "info", "debug".
bool parseLevel(std::string_view text, Level& out);
const char* levelName(Level level);

void setLevel(Level level);
Level level();
bool enabled(Level level);

// Debug categories ("nats", "turn", "ice", …) are off unless named, or "all" is given.
// Takes a comma-separated list; replaces the previous set.
void setDebugCategories(std::string_view list);
bool debugEnabled(std::string_view category);

// Chooses the output format: journal-style "<N>" prefixes without timestamps when
// stderr is connected to the journal ($JOURNAL_STREAM), plain timestamped lines otherwise.
void detectSink();
void setJournalFormat(bool journal);

void write(Level level, const char* component, const char* format, ...) __attribute__((format(printf, 3, 4)));

}

#ifndef TLOG_COMPONENT
#error "define TLOG_COMPONENT before including common/log/Logger.hpp"
#endif

#define TLOG_AT(lvl, ...) \
  do { \
    if (::talk::log::enabled(lvl)) { \
      ::talk::log::write(lvl, TLOG_COMPONENT, __VA_ARGS__); \
    } \
  } while (0)
#define TLOG_ERROR(...) TLOG_AT(::talk::log::Level::Error, __VA_ARGS__)
#define TLOG_WARN(...) TLOG_AT(::talk::log::Level::Warning, __VA_ARGS__)
#define TLOG_NOTICE(...) TLOG_AT(::talk::log::Level::Notice, __VA_ARGS__)
#define TLOG_INFO(...) TLOG_AT(::talk::log::Level::Info, __VA_ARGS__)
// Debug lines are also gated by a category, switchable at run time.
#define TLOG_DEBUG(category, ...) \
  do { \
    if (::talk::log::debugEnabled(category)) { \
      ::talk::log::write(::talk::log::Level::Debug, TLOG_COMPONENT, __VA_ARGS__); \
    } \
  } while (0)
