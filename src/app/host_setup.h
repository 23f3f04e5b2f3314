// The host list of a run, read from -o and -s, with the command-line
// mistakes around it reported the way an operator needs them.
#ifndef ORGALORG_APP_HOST_SETUP_H_
#define ORGALORG_APP_HOST_SETUP_H_

#include <vector>

#include "cli/options.h"
#include "hosts/address.h"
#include "output/output.h"
#include "util/status.h"

namespace app {

// hosts::BuildHostList over `options` (stdin with -s). An empty list, a
// missing hosts file or a bad -o value is a usage error: the usage goes to
// stderr first (not with --json) and the error names the file or value (an
// empty list: hosts::EmptyHostListError). A bad line in a hosts file or on
// stdin is reported as `<file>:<line>: ...` alone.
// A -o value taken as a host while a local file of that name exists
// (`-o hosts.txt`) gets a warning: files of hosts are written ./hosts.txt.
util::StatusOr<std::vector<hosts::Address>> ReadHostList(const cli::Options& options,
                                                         const std::string& default_user,
                                                         output::Output* out);

}  // namespace app

#endif  // ORGALORG_APP_HOST_SETUP_H_
