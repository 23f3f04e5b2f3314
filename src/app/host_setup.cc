#include "app/host_setup.h"

#include <sys/stat.h>

#include <cctype>
#include <iostream>
#include <string>
#include <vector>

#include "cli/usage.h"
#include "hosts/host_list.h"

namespace app {
namespace {

// Warns about each -o value that is read as a host but names a local file.
void WarnAboutFilesTakenAsHosts(const cli::Options& options, output::Output* out) {
  for (const std::string& arg : options.hosts) {
    std::string text(hosts::TrimSpace(arg));
    struct stat info;
    if (hosts::IsHostsFileArg(text) || stat(text.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    out->Warning(util::Status::Error("-o " + text + " is taken as a host name, not as the local file " +
                                     text + "; write -o ./" + text + " for a file of hosts"));
  }
}

// True when `error` is about a line of a hosts file or of stdin: those
// start with "<file>:<line>: " (host_list.h). The file's content is wrong,
// not the command line, so no usage for them.
bool IsLineError(const util::Status& error, const cli::Options& options) {
  std::vector<std::string> sources = {"stdin"};
  for (const std::string& arg : options.hosts) sources.emplace_back(hosts::TrimSpace(arg));
  const std::string& message = error.message();
  for (const std::string& source : sources) {
    size_t after = source.size() + 1;
    bool line = message.rfind(source + ":", 0) == 0 && after < message.size() &&
                std::isdigit(static_cast<unsigned char>(message[after]));
    if (line) return true;
  }
  return false;
}

}  // namespace

util::StatusOr<std::vector<hosts::Address>> ReadHostList(const cli::Options& options,
                                                         const std::string& default_user,
                                                         output::Output* out) {
  util::StatusOr<std::vector<hosts::Address>> list = hosts::BuildHostList(
      options.hosts, options.read_stdin ? &std::cin : nullptr, default_user, hosts::kDefaultSshPort);
  if (!list.ok() || list->empty()) {
    // Like every other missing-hosts case (--json keeps stderr JSON lines).
    bool usage = !options.json && (list.ok() || !IsLineError(list.status(), options));
    if (usage) out->Text(output::Stream::kStderr, cli::UsageErrorText());
    if (!list.ok()) return list.status();
    return hosts::EmptyHostListError(options.hosts, options.read_stdin);
  }
  WarnAboutFilesTakenAsHosts(options, out);
  return list;
}

}  // namespace app
