// The one clock of a run: monotonic time points and millisecond durations,
// for the event loop's timers and every deadline and log figure built on them.
#ifndef ORGALORG_LOOP_CLOCK_H_
#define ORGALORG_LOOP_CLOCK_H_

#include <chrono>

namespace loop {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Milliseconds = std::chrono::milliseconds;

// Whole milliseconds from `start` to now, for logs.
inline long MillisecondsSince(TimePoint start) {
  return static_cast<long>(std::chrono::duration_cast<Milliseconds>(Clock::now() - start).count());
}

}  // namespace loop

#endif  // ORGALORG_LOOP_CLOCK_H_
