#include "cli/duration.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace cli {
namespace {

// Milliseconds per unit; 0 for an unknown unit.
int64_t UnitMs(std::string_view unit) {
  if (unit.empty() || unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 3600 * 1000;
  return 0;
}

}  // namespace

util::Status ParseDurationMs(std::string_view text, const char* what, int* out_ms) {
  std::string quoted = "\"" + std::string(text) + "\"";
  // A minus sign before the digits makes a negative number, not garbage.
  std::string_view body = text;
  bool negative = !body.empty() && body[0] == '-';
  if (negative) body.remove_prefix(1);
  size_t digits = 0;
  int64_t number = 0;  // Saturates just above the cap: no overflow.
  for (; digits < body.size() && body[digits] >= '0' && body[digits] <= '9'; ++digits) {
    number = std::min<int64_t>(number * 10 + (body[digits] - '0'), int64_t{kMaxDurationMs} + 1);
  }
  int64_t unit_ms = UnitMs(body.substr(digits));
  if (digits == 0 || unit_ms == 0) {
    return util::Status::Error(std::string("can't convert ") + what + " to number: " + quoted +
                               " (give milliseconds, or a number with a unit: 1500ms, 2s, 1m, 1h)");
  }
  if (negative || number == 0) {
    return util::Status::Error(std::string(what) + " must be positive: " + quoted);
  }
  if (number * unit_ms > kMaxDurationMs) {
    return util::Status::Error(std::string(what) + " is too large: " + quoted + " (at most 596h)");
  }
  *out_ms = static_cast<int>(number * unit_ms);
  return util::Status::Ok();
}

}  // namespace cli
