// The exec seam (cluster/exec.h) over the ssh layer: an ExecHost per
// ssh::Session, an ExecChannel per ssh::Channel. Pure forwarding; the ssh
// contracts are already those of the seam.
#ifndef ORGALORG_CLUSTER_SSH_EXEC_H_
#define ORGALORG_CLUSTER_SSH_EXEC_H_

#include <memory>

#include "cluster/exec.h"
#include "ssh/session.h"

namespace cluster {

// `session` must outlive the returned host (Node owns both and drops the
// host first).
std::unique_ptr<ExecHost> MakeSshExecHost(ssh::Session* session);

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_SSH_EXEC_H_
