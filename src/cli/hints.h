// Hints that turn a bare usage error into the likely fix.
//
//   unknown option --hots (did you mean --host?)
//   no hosts given: use -o <host> or -s (options come before the command:
//       "-o" after "uptime" is part of it)
//   -U needs -r <dir> (options come before the files: "-r" after "./a"
//       was taken as a file)
// Pure functions of their arguments; no I/O.
#ifndef ORGALORG_CLI_HINTS_H_
#define ORGALORG_CLI_HINTS_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.h"

namespace cli {

// The name in `known` (long option names, without "--") closest to `typed`
// when it is near enough to be a typo (at most 2 edits, a swap of two
// neighbours counting as one, and fewer edits than half of `typed`), and no
// other name is as near; else "".
std::string ClosestName(std::string_view typed, const std::vector<std::string_view>& known);

// " (options come before ...)" when an operand of `o` is spelled like one of
// the options `names` ("-o", "--host": the word itself, "-ovalue" for a
// short name, "--host=value" for a long one); else "". It explains that the
// word went to the command (-C), the files (-S, -U) or the operands.
std::string MisplacedOptionHint(const Options& o, std::initializer_list<std::string_view> names);

}  // namespace cli

#endif  // ORGALORG_CLI_HINTS_H_
