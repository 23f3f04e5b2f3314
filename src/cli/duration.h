// The value of a time option (-c, -j, -z, -a, --timeout).
//
// A whole number of milliseconds, optionally followed by a unit: `ms`
// (the default), `s`, `m` or `h`, with nothing between number and unit:
// `1500`, `1500ms`, `2s`, `1m`, `1h`. The value must be positive and at most
// kMaxDurationMs. Errors name the option (`what`) and quote the value:
//   can't convert send timeout to number: "2x" (give milliseconds, or a
//       number with a unit: 1500ms, 2s, 1m, 1h)
//   send timeout must be positive: "0s"
//   send timeout is too large: "900h" (at most 596h)
// It performs no I/O.
#ifndef ORGALORG_CLI_DURATION_H_
#define ORGALORG_CLI_DURATION_H_

#include <string_view>

#include "util/status.h"

namespace cli {

// The longest duration a time option accepts: 596 hours, the whole hours
// that fit in an int of milliseconds.
inline constexpr int kMaxDurationMs = 596 * 3600 * 1000;

// Parses `text` into `*out_ms`; on error leaves it unchanged.
util::Status ParseDurationMs(std::string_view text, const char* what, int* out_ms);

}  // namespace cli

#endif  // ORGALORG_CLI_DURATION_H_
