#include "cli/hints.h"

#include <algorithm>
#include <vector>

namespace cli {
namespace {

// Edits (insert, delete, replace, swap of neighbours) from `a` to `b`.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool SpelledLike(std::string_view word, std::string_view name) {
  if (word == name) return true;
  if (name.size() == 2) return word.size() > 2 && word.substr(0, 2) == name;
  return word.size() > name.size() && word.substr(0, name.size()) == name && word[name.size()] == '=';
}

}  // namespace

std::string ClosestName(std::string_view typed, const std::vector<std::string_view>& known) {
  size_t best = 3;  // Farther than this is not a typo.
  std::string_view found;
  bool tie = false;
  for (std::string_view name : known) {
    size_t distance = EditDistance(typed, name);
    if (distance < best) {
      best = distance;
      found = name;
      tie = false;
    } else if (distance == best) {
      tie = true;
    }
  }
  if (found.empty() || tie || best * 2 >= typed.size()) return "";
  return std::string(found);
}

std::string MisplacedOptionHint(const Options& o, std::initializer_list<std::string_view> names) {
  // The first operand looks like an option only after "--", on purpose.
  for (size_t i = 1; i < o.positional.size(); ++i) {
    for (std::string_view name : names) {
      if (!SpelledLike(o.positional[i], name)) continue;
      std::string quoted = "\"" + std::string(name) + "\" after \"" + o.positional[0] + "\"";
      switch (o.mode) {
        case Mode::kCommand:
          return " (options come before the command: " + quoted + " is part of it)";
        case Mode::kSync:
        case Mode::kUpload:
          return " (options come before the files: " + quoted + " was taken as a file)";
        case Mode::kLock:
        case Mode::kNone:
          return " (options come before the operands: " + quoted + " is an operand)";
      }
    }
  }
  return "";
}

}  // namespace cli
