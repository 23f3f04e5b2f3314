#include "hosts/node_fold.h"

#include <algorithm>
#include <cstdint>
#include <queue>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "hosts/node_range.h"

namespace hosts {
namespace {

constexpr size_t kMaxDigits = 18;  // node_range.h's limit for one number.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// ^[A-Za-z0-9._-]+$ with at least one non-digit.
bool IsFoldable(std::string_view name) {
  bool non_digit = false;
  for (char c : name) {
    if (IsDigit(c)) continue;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
    non_digit = true;
  }
  return non_digit;
}

// Leading zero: the written width is the padding (node_range.h).
bool IsPadded(std::string_view digits) {
  return digits.size() > 1 && digits.front() == '0';
}

// `value` zero-padded to `width` digits (0: no padding).
std::string Pad(uint64_t value, size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

// Names equal but for one digit run: prefix + digits + suffix, where the
// prefix does not end and the suffix does not start with a digit.
struct Bucket {
  size_t prefix = 0;            // Length of the common prefix.
  size_t suffix = 0;            // Length of the common suffix.
  size_t run = 0;               // Index of the varying digit run.
  std::vector<size_t> members;  // Indices into the unique names, increasing.
  size_t live = 0;              // Members not yet in a group.
};

// `prefix[items]suffix` for `members` (at least two) of one bucket.
std::string FormatGroup(const std::vector<std::string>& names,
                        const std::vector<size_t>& members, size_t prefix,
                        size_t suffix) {
  struct Entry {
    uint64_t value;
    std::string_view text;
  };
  std::vector<Entry> entries;
  entries.reserve(members.size());
  for (size_t m : members) {
    const std::string& name = names[m];
    std::string_view text(name);
    text = text.substr(prefix, name.size() - prefix - suffix);
    uint64_t value = 0;
    for (char c : text) value = value * 10 + static_cast<uint64_t>(c - '0');
    entries.push_back({value, text});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.value, a.text) < std::tie(b.value, b.text);
  });
  // Texts are distinct: the names are.
  std::unordered_map<std::string_view, size_t> by_text;
  for (size_t i = 0; i < entries.size(); ++i) by_text[entries[i].text] = i;
  std::vector<bool> used(entries.size(), false);

  const std::string& first = names[members.front()];
  std::string out = first.substr(0, prefix);
  out += '[';
  bool any = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (used[i]) continue;
    used[i] = true;
    // The lower bound fixes the padding of the whole item; extend while the
    // next number, written that way, is one of the names.
    size_t width = IsPadded(entries[i].text) ? entries[i].text.size() : 0;
    uint64_t end = entries[i].value;
    std::string end_text;
    while (true) {
      std::string next = Pad(end + 1, width);
      auto it = by_text.find(next);
      if (it == by_text.end() || used[it->second]) break;
      used[it->second] = true;
      ++end;
      end_text = std::move(next);
    }
    if (any) out += ',';
    any = true;
    out += entries[i].text;
    if (end != entries[i].value) {
      out += '-';
      out += end_text;
    }
  }
  out += ']';
  out += first.substr(first.size() - suffix);
  return out;
}

// Unique names, in order of first appearance.
std::vector<std::string> UniqueNames(const std::vector<std::string>& input) {
  std::vector<std::string> names;
  std::unordered_set<std::string_view> seen;
  names.reserve(input.size());
  for (const std::string& name : input) {
    if (seen.insert(name).second) names.push_back(name);
  }
  return names;
}

// One bucket per (name with one digit run taken out); the key keeps the
// prefix and suffix apart with '[', which no foldable name contains.
// `buckets_of[n]` lists the buckets name n is in.
std::vector<Bucket> BuildBuckets(const std::vector<std::string>& names,
                                 std::vector<std::vector<size_t>>* buckets_of) {
  std::vector<Bucket> buckets;
  std::unordered_map<std::string, size_t> by_key;
  for (size_t n = 0; n < names.size(); ++n) {
    const std::string& name = names[n];
    if (!IsFoldable(name)) continue;
    size_t run = 0;
    for (size_t i = 0; i < name.size();) {
      if (!IsDigit(name[i])) {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < name.size() && IsDigit(name[end])) ++end;
      if (end - i <= kMaxDigits) {
        std::string key = name.substr(0, i) + '[' + name.substr(end);
        auto [it, added] = by_key.emplace(std::move(key), buckets.size());
        if (added) {
          Bucket bucket;
          bucket.prefix = i;
          bucket.suffix = name.size() - end;
          bucket.run = run;
          buckets.push_back(std::move(bucket));
        }
        buckets[it->second].members.push_back(n);
        (*buckets_of)[n].push_back(it->second);
      }
      ++run;
      i = end;
    }
  }
  return buckets;
}

struct Piece {
  size_t first;  // Index of the first name: the output order.
  std::string text;
};

// Greedy: the bucket with the most names not yet grouped, ties to the
// last digit run, then to the earliest name. Heap entries are refreshed
// lazily: a bucket's live count only ever goes down. Returns the groups,
// then the names left alone.
std::vector<Piece> Group(const std::vector<std::string>& names, std::vector<Bucket>& buckets,
                         const std::vector<std::vector<size_t>>& buckets_of) {
  using HeapEntry = std::tuple<size_t, size_t, size_t, size_t>;
  auto entry = [&](size_t id) {
    const Bucket& b = buckets[id];
    // Larger live first, larger run first, smaller first member first.
    return HeapEntry(b.live, b.run, SIZE_MAX - b.members.front(), id);
  };
  std::priority_queue<HeapEntry> heap;
  for (size_t id = 0; id < buckets.size(); ++id) {
    buckets[id].live = buckets[id].members.size();
    if (buckets[id].live >= 2) heap.push(entry(id));
  }
  std::vector<Piece> pieces;
  std::vector<bool> grouped(names.size(), false);
  while (!heap.empty()) {
    auto [live, run, first, id] = heap.top();
    heap.pop();
    Bucket& bucket = buckets[id];
    if (bucket.live < 2) continue;
    if (live != bucket.live) {
      heap.push(entry(id));
      continue;
    }
    std::vector<size_t> members;  // live >= 2 of them (or the cap).
    for (size_t m : bucket.members) {
      if (grouped[m]) continue;
      members.push_back(m);
      if (members.size() == kMaxRangeHosts) break;
    }
    for (size_t m : members) {
      grouped[m] = true;
      for (size_t other : buckets_of[m]) --buckets[other].live;
    }
    pieces.push_back({members.front(), FormatGroup(names, members, bucket.prefix, bucket.suffix)});
    if (bucket.live >= 2) heap.push(entry(id));
  }
  for (size_t n = 0; n < names.size(); ++n) {
    if (!grouped[n]) pieces.push_back({n, names[n]});
  }
  return pieces;
}

}  // namespace

std::string FoldNodes(const std::vector<std::string>& input) {
  std::vector<std::string> names = UniqueNames(input);
  std::vector<std::vector<size_t>> buckets_of(names.size());
  std::vector<Bucket> buckets = BuildBuckets(names, &buckets_of);
  std::vector<Piece> pieces = Group(names, buckets, buckets_of);
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) out += ',';
    out += pieces[i].text;
  }
  return out;
}

std::string FoldAddresses(const std::vector<std::string>& addresses) {
  struct Key {
    std::string prefix;  // "user@" or ""
    std::string suffix;  // ":port" or ""
    std::vector<std::string> hosts;
  };
  std::vector<Key> keys;
  for (const std::string& address : addresses) {
    size_t at = address.rfind('@');
    std::string prefix = at == std::string::npos ? "" : address.substr(0, at + 1);
    std::string rest = at == std::string::npos ? address : address.substr(at + 1);
    std::string suffix;
    size_t colon = rest.find(':');
    if (!rest.empty() && rest[0] != '[' && colon != std::string::npos) {
      suffix = rest.substr(colon);
      rest.resize(colon);
    }
    if (rest.empty() || rest[0] == '[') {  // IPv6 literal or odd: alone.
      prefix += rest + suffix;
      rest.clear();
      suffix.clear();
    }
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const Key& k) { return k.prefix == prefix && k.suffix == suffix; });
    if (it == keys.end()) it = keys.insert(keys.end(), Key{prefix, suffix, {}});
    it->hosts.push_back(rest);
  }
  std::string folded;
  for (const Key& key : keys) {
    // Each piece gets its user and port back.
    for (const std::string& piece : SplitFoldedPieces(FoldNodes(key.hosts))) {
      if (!folded.empty()) folded += ',';
      folded += key.prefix + piece + key.suffix;
    }
  }
  return folded;
}

std::vector<std::string> SplitFoldedPieces(std::string_view folded) {
  std::vector<std::string> pieces(1);
  size_t depth = 0;
  for (char c : folded) {
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      pieces.emplace_back();
    } else {
      pieces.back() += c;
    }
  }
  return pieces;
}

}  // namespace hosts
