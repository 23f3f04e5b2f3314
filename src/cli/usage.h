// Usage and help texts.
#ifndef ORGALORG_CLI_USAGE_H_
#define ORGALORG_CLI_USAGE_H_

#include <string>

namespace cli {

// The synopsis; starts "Usage:".
std::string UsageText();

// What goes on stderr before the cause of every usage error: the synopsis
// and where to find every option.
std::string UsageErrorText();

// The full --help text: the synopsis, then every option with its default.
std::string HelpText();

// "orgalorg <version>".
std::string VersionText();

}  // namespace cli

#endif  // ORGALORG_CLI_USAGE_H_
