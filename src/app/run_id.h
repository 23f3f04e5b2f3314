// A run-unique number: names the run directory, the upload marker and the
// sync protocol prefix. Not a secret; unique enough that two runs started
// together on one machine or on two machines do not collide.
#ifndef ORGALORG_APP_RUN_ID_H_
#define ORGALORG_APP_RUN_ID_H_

#include <cstdint>

namespace app {

uint64_t NewRunId();

}  // namespace app

#endif  // ORGALORG_APP_RUN_ID_H_
