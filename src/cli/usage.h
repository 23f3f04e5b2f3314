// Usage and help texts.
#ifndef ORGALORG_CLI_USAGE_H_
#define ORGALORG_CLI_USAGE_H_

#include <string>

namespace cli {

// The synopsis printed on stderr with every usage error; starts "Usage:".
std::string UsageText();

// The full --help text: the synopsis, then every option with its default.
std::string HelpText();

// "orgalorg <version>".
std::string VersionText();

}  // namespace cli

#endif  // ORGALORG_CLI_USAGE_H_
