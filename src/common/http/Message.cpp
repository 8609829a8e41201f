#include "common/http/Message.hpp"

#include <cstdio>
#include <ctime>

namespace talk::http {

const std::string* Request::header(std::string_view lowerName) const
{
  for (const auto& [name, value] : headers) {
    if (name == lowerName) {
      return &value;
    }
  }
  return nullptr;
}

std::optional<std::string_view> Request::queryParameter(std::string_view name) const
{
  for (const std::string& arg : queryArgs) {
    std::string_view view(arg);
    if (view.size() >= name.size() && view.substr(0, name.size()) == name) {
      if (view.size() == name.size()) {
        return std::string_view();
      }
      if (view[name.size()] == '=') {
        return view.substr(name.size() + 1);
      }
    }
  }
  return std::nullopt;
}

Response Response::json(int status, std::string body)
{
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body)
{
  Response r;
  r.status = status;
  r.contentType = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

std::string httpDate(long long unixSeconds)
{
  // Fixed English names: strftime's %a/%b would follow the locale.
  static const char* const Days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const Months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d GMT", Days[tm.tm_wday % 7], tm.tm_mday, Months[tm.tm_mon % 12],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

}
