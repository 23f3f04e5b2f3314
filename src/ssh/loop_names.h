// The event loop's names as the ssh layer spells them. Every session,
// channel and resolver runs on a loop::EventLoop and measures time with its
// clock, so the layer takes those names into its own namespace once, here.
#ifndef ORGALORG_SSH_LOOP_NAMES_H_
#define ORGALORG_SSH_LOOP_NAMES_H_

#include "loop/clock.h"
#include "loop/event_loop.h"

namespace ssh {

using loop::Clock;
using loop::EventLoop;
using loop::kFdError;
using loop::kReadable;
using loop::kWritable;
using loop::Milliseconds;
using loop::MillisecondsSince;
using loop::TimePoint;

}  // namespace ssh

#endif  // ORGALORG_SSH_LOOP_NAMES_H_
