// SIGINT/SIGTERM as readable events: a self-pipe the event loop watches.
//
// InstallSignalPipe() sets handlers that write the signal number into a
// non-blocking pipe and ignores SIGPIPE (a closed remote channel or a closed
// stdout must be an error value, not death). Call once, early in main.
#ifndef ORGALORG_APP_SIGNALS_H_
#define ORGALORG_APP_SIGNALS_H_

#include "util/status.h"

namespace app {

// Returns the read end of the pipe (close-on-exec, non-blocking).
util::StatusOr<int> InstallSignalPipe();

// Reads all pending signal numbers; returns the last one, or 0.
int DrainSignalPipe(int fd);

}  // namespace app

#endif  // ORGALORG_APP_SIGNALS_H_
