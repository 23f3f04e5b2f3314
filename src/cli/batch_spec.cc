#include "cli/batch_spec.h"

#include <algorithm>
#include <cstdint>

namespace cli {
namespace {

// Large enough for any host list; small enough for int arithmetic.
constexpr int64_t kMaxCount = 100000000;

// Parses one amount; `what` names the option in errors, `whole` is the
// option's full value (quoted in errors).
util::StatusOr<Amount> ParseAmount(std::string_view text, const char* what, std::string_view whole) {
  Amount amount;
  std::string_view digits = text;
  if (!digits.empty() && digits.back() == '%') {
    amount.percent = true;
    digits.remove_suffix(1);
  }
  int64_t number = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      number = -1;
      break;
    }
    number = std::min<int64_t>(number * 10 + (c - '0'), kMaxCount + 1);
  }
  std::string quoted = "\"" + std::string(whole) + "\"";
  if (digits.empty() || number < 0) {
    return util::Status::Error(std::string(what) + " takes counts or percentages (5, 10%): " + quoted);
  }
  if (amount.percent && number > 100) {
    return util::Status::Error(std::string(what) + " percentage is over 100%: " + quoted);
  }
  if (number > kMaxCount) return util::Status::Error(std::string(what) + " count is too large: " + quoted);
  amount.value = static_cast<int>(number);
  return amount;
}

}  // namespace

util::StatusOr<std::vector<Amount>> ParseBatchSizes(std::string_view text) {
  std::vector<Amount> sizes;
  size_t start = 0;
  while (true) {
    size_t comma = std::min(text.find(',', start), text.size());
    util::StatusOr<Amount> size = ParseAmount(text.substr(start, comma - start), "--batch", text);
    if (!size.ok()) return size.status();
    if (size->value == 0) {
      return util::Status::Error("--batch sizes must be at least 1 host or 1%: \"" + std::string(text) + "\"");
    }
    sizes.push_back(*size);
    if (comma == text.size()) break;
    start = comma + 1;
  }
  return sizes;
}

util::StatusOr<Amount> ParseMaxFail(std::string_view text) { return ParseAmount(text, "--max-fail", text); }

std::string AmountText(const Amount& amount) {
  return std::to_string(amount.value) + (amount.percent ? "%" : "");
}

std::vector<size_t> BatchCounts(const std::vector<Amount>& sizes, size_t hosts) {
  std::vector<size_t> counts;
  size_t left = hosts;
  for (size_t i = 0; left > 0 && !sizes.empty(); ++i) {
    const Amount& size = sizes[std::min(i, sizes.size() - 1)];
    size_t count = size.percent ? (hosts * size.value + 99) / 100 : static_cast<size_t>(size.value);
    count = std::clamp<size_t>(count, 1, left);
    counts.push_back(count);
    left -= count;
  }
  return counts;
}

bool TooManyFailed(const Amount& limit, size_t failed, size_t started) {
  if (limit.percent) return failed * 100 > static_cast<size_t>(limit.value) * started;
  return failed > static_cast<size_t>(limit.value);
}

}  // namespace cli
