// What --batch and --max-fail mean (rolling batches): their values, parsed,
// and the two rules of a rollout, as pure functions.
//
// --batch takes comma-separated sizes, each a whole count (`5`) or a
// percentage of the run's hosts (`10%`, from 1% to 100%): `1,10%,100%`.
// BatchCounts() turns them into the number of hosts of each batch: a
// percentage is rounded up, every batch has at least one host and at most
// the hosts left, and the last size repeats until every host is in a
// batch.
//
// --max-fail takes a count (`0`, `3`) or a percentage (`0%` to `100%`).
// TooManyFailed() says whether no further batch may start: more hosts than
// the count failed, or more than that share of the hosts started so far.
//
// Errors name the option and quote the value. It performs no I/O.
#ifndef ORGALORG_CLI_BATCH_SPEC_H_
#define ORGALORG_CLI_BATCH_SPEC_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace cli {

// One size of --batch, or the --max-fail limit.
struct Amount {
  int value = 0;
  bool percent = false;

  bool operator==(const Amount&) const = default;
};

// Parses --batch: at least one size, none empty, counts >= 1, percentages
// 1..100.
util::StatusOr<std::vector<Amount>> ParseBatchSizes(std::string_view text);

// Parses --max-fail: a count >= 0 or a percentage 0..100.
util::StatusOr<Amount> ParseMaxFail(std::string_view text);

// How an amount reads back: "3", "10%".
std::string AmountText(const Amount& amount);

// The number of hosts in each batch, in order, for `hosts` hosts; the
// counts add up to `hosts` (none for 0 hosts).
std::vector<size_t> BatchCounts(const std::vector<Amount>& sizes, size_t hosts);

// True when `failed` hosts out of `started` exceed `limit`.
bool TooManyFailed(const Amount& limit, size_t failed, size_t started);

}  // namespace cli

#endif  // ORGALORG_CLI_BATCH_SPEC_H_
