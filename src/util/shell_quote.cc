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

std::string ShellQuote(std::string_view text) {
  return "'" + EscapeForSingleQuotes(text) + "'";
}

}  // namespace util
