#define TLOG_COMPONENT "log"
#include "common/log/Logger.hpp"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>
#include <sys/time.h>
#include <unistd.h>

namespace talk::log {

namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};
std::atomic<bool> g_journal{false};
std::atomic<bool> g_anyDebug{false};
std::mutex g_categoriesMutex;
std::set<std::string, std::less<>> g_categories;

}

bool parseLevel(std::string_view text, Level& out)
{
  static constexpr std::pair<std::string_view, Level> Names[] = {
    {"error", Level::Error}, {"warning", Level::Warning}, {"notice", Level::Notice}, {"info", Level::Info}, {"debug", Level::Debug}};
  for (const auto& [name, value] : Names) {
    if (text == name) {
      out = value;
      return true;
    }
  }
  return false;
}

const char* levelName(Level level)
{
  switch (level) {
  case Level::Error:
    return "error";
  case Level::Warning:
    return "warning";
  case Level::Notice:
    return "notice";
  case Level::Info:
    return "info";
  case Level::Debug:
    return "debug";
  }
  return "?";
}

void setLevel(Level level)
{
  g_level = static_cast<int>(level);
}

Level level()
{
  return static_cast<Level>(g_level.load());
}

bool enabled(Level level)
{
  return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed);
}

void setDebugCategories(std::string_view list)
{
  std::lock_guard lock(g_categoriesMutex);
  g_categories.clear();
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      g_categories.emplace(item);
    }
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  g_anyDebug = !g_categories.empty();
}

bool debugEnabled(std::string_view category)
{
  if (!g_anyDebug.load(std::memory_order_relaxed)) {
    return false;
  }
  std::lock_guard lock(g_categoriesMutex);
  return g_categories.count("all") != 0 || g_categories.find(category) != g_categories.end();
}

void detectSink()
{
  const char* stream = std::getenv("JOURNAL_STREAM");
  g_journal = stream != nullptr && *stream != '\0';
}

void setJournalFormat(bool journal)
{
  g_journal = journal;
}

void write(Level level, const char* component, const char* format, ...)
{
  // One line, one write(2): lines from several threads never interleave.
  char line[2048];
  size_t used = 0;
  if (g_journal.load(std::memory_order_relaxed)) {
    used = static_cast<size_t>(std::snprintf(line, sizeof(line), "<%d>%s: ", static_cast<int>(level), component));
  }
  else {
    struct timeval tv{};
    gettimeofday(&tv, nullptr);
    struct tm tm{};
    localtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    used = static_cast<size_t>(std::snprintf(line, sizeof(line), "%s.%03ld %-7s %s: ", stamp, static_cast<long>(tv.tv_usec / 1000), levelName(level), component));
  }
  if (used >= sizeof(line)) {
    used = sizeof(line) - 1;
  }
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(line + used, sizeof(line) - used, format, args);
  va_end(args);
  if (n > 0) {
    used = std::min(used + static_cast<size_t>(n), sizeof(line) - 2);
  }
  // Control characters from peers must not forge log lines.
  for (size_t i = 0; i < used; ++i) {
    if (line[i] == '\n' || line[i] == '\r') {
      line[i] = ' ';
    }
  }
  line[used++] = '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line, used);
  (void)ignored;
}

}
