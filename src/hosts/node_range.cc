#include "hosts/node_range.h"

#include <algorithm>

#include "hosts/address.h"

namespace hosts {
namespace {

constexpr size_t kMaxDigits = 18;  // 10^18 - 1 fits in uint64_t.

bool IsRangeChar(char c) {
  return (c >= '0' && c <= '9') || c == ',' || c == '-';
}

bool AllRangeChars(std::string_view text) {
  for (char c : text) {
    if (!IsRangeChar(c)) return false;
  }
  return true;
}

// Whether `hostport` (the text after the user) is the bracketed literal
// form: it starts with '[' and its first group is not range syntax, or the
// group is the whole host (followed by nothing or `:port`).
bool IsBracketedLiteral(std::string_view hostport) {
  if (hostport.empty() || hostport.front() != '[') return false;
  size_t close = hostport.find(']');
  if (close == std::string_view::npos) return true;  // ParseAddress reports.
  std::string_view contents = hostport.substr(1, close - 1);
  if (contents.empty() || !AllRangeChars(contents)) return true;
  return close + 1 == hostport.size() || hostport[close + 1] == ':';
}

// Saturating arithmetic capped just above kMaxRangeHosts.
constexpr uint64_t kOver = kMaxRangeHosts + 1;
uint64_t CappedAdd(uint64_t a, uint64_t b) {
  return (a >= kOver || b >= kOver || a + b >= kOver) ? kOver : a + b;
}
uint64_t CappedMul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return (a >= kOver || b >= kOver || a > kOver / b) ? kOver
                                                      : std::min(a * b, kOver);
}

}  // namespace

std::string NodeRange::ParseGroup(std::string_view contents, Group* group, uint64_t* count) {
  if (!AllRangeChars(contents)) return "only digits, ',' and '-' may appear inside [ ]";
  if (contents.empty()) return "empty range";
  bool several = contents.find(',') != std::string_view::npos;
  size_t begin = 0;
  while (true) {
    size_t comma = contents.find(',', begin);
    std::string_view item =
        contents.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin);
    Item parsed;
    std::string why = ParseItem(item, several, &parsed);
    if (!why.empty()) return why;
    *count = CappedAdd(*count, parsed.high - parsed.low + 1 >= kOver ? kOver : parsed.high - parsed.low + 1);
    group->items.push_back(parsed);
    if (comma == std::string_view::npos) return "";
    begin = comma + 1;
  }
}

std::string NodeRange::ParseItem(std::string_view item, bool several, Item* parsed) {
  std::string item_name = several ? "item " + QuoteForMessage(item) + ": " : std::string();
  if (item.empty()) return "empty item";
  size_t dash = item.find('-');
  std::string_view low_text = item.substr(0, dash);
  std::string_view high_text = dash == std::string_view::npos ? low_text : item.substr(dash + 1);
  if (low_text.empty() || high_text.empty() || high_text.find('-') != std::string_view::npos) {
    return "item " + QuoteForMessage(item) + " is not a number or a-b";
  }
  if (low_text.size() > kMaxDigits || high_text.size() > kMaxDigits) return item_name + "number too large";
  for (char c : low_text) parsed->low = parsed->low * 10 + (c - '0');
  for (char c : high_text) parsed->high = parsed->high * 10 + (c - '0');
  if (parsed->low > parsed->high) return item_name + "start after end";
  bool low_padded = low_text.size() > 1 && low_text.front() == '0';
  bool high_padded = high_text.size() > 1 && high_text.front() == '0';
  if (high_padded && (!low_padded || high_text.size() != low_text.size())) {
    return item_name + "bounds padded to different widths";
  }
  if (low_padded) parsed->width = low_text.size();
  return "";
}

util::StatusOr<NodeRange> NodeRange::Parse(std::string_view text) {
  NodeRange range;
  size_t at = text.rfind('@');
  size_t host_begin = at == std::string_view::npos ? 0 : at + 1;
  if (IsBracketedLiteral(text.substr(host_begin))) {
    range.literals_.emplace_back(text);
    return range;
  }

  auto invalid = [&](std::string_view group, const std::string& why) {
    return util::Status::Error("invalid range " + QuoteForMessage(group) +
                               " in " + QuoteForMessage(text) + ": " + why);
  };

  std::string literal(text.substr(0, host_begin));
  uint64_t total = 1;
  size_t i = host_begin;
  for (; i < text.size() && text[i] != ':'; ++i) {
    if (text[i] != '[') {
      literal += text[i];
      continue;
    }
    size_t close = text.find(']', i);
    if (close == std::string_view::npos) {
      return invalid(text.substr(i), "missing ']'");
    }
    std::string_view group_text = text.substr(i, close - i + 1);
    std::string_view contents = text.substr(i + 1, close - i - 1);

    Group group;
    uint64_t count = 0;
    std::string why = ParseGroup(contents, &group, &count);
    if (!why.empty()) return invalid(group_text, why);
    total = CappedMul(total, count);
    range.literals_.push_back(std::move(literal));
    literal.clear();
    range.groups_.push_back(std::move(group));
    i = close;
  }
  literal += text.substr(i);
  range.literals_.push_back(std::move(literal));
  if (total > kMaxRangeHosts) {
    return util::Status::Error(QuoteForMessage(text) +
                               " expands to more than " +
                               std::to_string(kMaxRangeHosts) + " hosts");
  }
  range.size_ = static_cast<size_t>(total);
  return range;
}

util::Status NodeRange::ForEach(
    const std::function<util::Status(const std::string&)>& emit) const {
  if (groups_.empty()) return emit(literals_.front());
  // An odometer over (item index, value) per group, rightmost fastest.
  struct Position {
    size_t item = 0;
    uint64_t value = 0;
  };
  std::vector<Position> at(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    at[g].value = groups_[g].items.front().low;
  }
  std::string host;
  while (true) {
    host.clear();
    for (size_t g = 0; g < groups_.size(); ++g) {
      host += literals_[g];
      std::string digits = std::to_string(at[g].value);
      size_t width = groups_[g].items[at[g].item].width;
      if (digits.size() < width) host.append(width - digits.size(), '0');
      host += digits;
    }
    host += literals_.back();
    util::Status status = emit(host);
    if (!status.ok()) return status;

    size_t g = groups_.size();
    while (g > 0) {
      --g;
      const std::vector<Item>& items = groups_[g].items;
      Position& p = at[g];
      if (p.value < items[p.item].high) {
        ++p.value;
        break;
      }
      if (p.item + 1 < items.size()) {
        ++p.item;
        p.value = items[p.item].low;
        break;
      }
      p.item = 0;
      p.value = items.front().low;
      if (g == 0) return util::Status::Ok();
    }
  }
}

util::StatusOr<std::vector<std::string>> ExpandNodeRange(
    std::string_view text) {
  util::StatusOr<NodeRange> range = NodeRange::Parse(text);
  if (!range.ok()) return range.status();
  std::vector<std::string> hosts;
  hosts.reserve(range->size());
  util::Status status = range->ForEach([&](const std::string& host) {
    hosts.push_back(host);
    return util::Status::Ok();
  });
  if (!status.ok()) return status;
  return hosts;
}

}  // namespace hosts
