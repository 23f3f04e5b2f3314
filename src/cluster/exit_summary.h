// The aggregate result of running something on every host (orgalorg(1), OUTPUT).
//
// Each host ends either with an exit status (0 = success) or with an error
// (unreachable, lock lost, killed by a signal...). Summarize() turns the
// per-host outcomes into one Status for output::Output::Error():
//   * all hosts succeeded: OK;
//   * some failed: "commands are failed on K out of N nodes", with one cause
//     per failed host ("<host>: exit code 3", or "<host>" over its error);
//   * all failed: "commands are failed on all N nodes", with one cause per
//     exit status, largest group first ("code 17 (5 nodes)"), then one per
//     host that failed with an error rather than an exit status.
#ifndef ORGALORG_CLUSTER_EXIT_SUMMARY_H_
#define ORGALORG_CLUSTER_EXIT_SUMMARY_H_

#include <string>
#include <vector>

#include "util/status.h"

namespace cluster {

struct HostOutcome {
  std::string host;    // display name
  int exit_code = 0;   // meaningful when error is OK
  util::Status error;  // set when the host failed otherwise
  bool ok() const { return error.ok() && exit_code == 0; }
};

util::Status Summarize(const std::vector<HostOutcome>& outcomes);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_EXIT_SUMMARY_H_
