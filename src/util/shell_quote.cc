#include "util/shell_quote.h"

namespace util {

std::string EscapeForSingleQuotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out;
}

// Appends instead of "'" + ...: GCC 12 at -O3 reports a false -Wrestrict in
// operator+(const char*, std::string&&) (GCC bug 105329).
std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  out += EscapeForSingleQuotes(text);
  out += '\'';
  return out;
}

}  // namespace util
