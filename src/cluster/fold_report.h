// The --fold report (like `dshbak -c` / `clubak -b`), written at the end of a
// command or sync run.
//
// For every group of hosts whose output in `fold` is byte-identical, largest
// group first (FoldBuffer::Groups), hosts without output skipped:
//   ---- <hosts folded as ranges> (<count>) ----
//   <the output, with a newline added if its last line has none>
// then the hosts grouped by how they ended, largest group first, ties by the
// first host's place:
//   ==== exit code 0: web[01-03,07] (4)
//   ==== timed out after 1500 ms: web05 (1)
// `outcomes[i].host` names host i of `fold`. Everything goes to stdout
// through `out`. Returns the error if the buffer's spill file can't be read.
#ifndef ORGALORG_CLUSTER_FOLD_REPORT_H_
#define ORGALORG_CLUSTER_FOLD_REPORT_H_

#include <vector>

#include "cluster/exit_summary.h"
#include "output/fold_buffer.h"
#include "output/output.h"
#include "util/status.h"

namespace cluster {

util::Status WriteFoldReport(output::Output* out, const output::FoldBuffer& fold,
                             const std::vector<HostOutcome>& outcomes);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_FOLD_REPORT_H_
