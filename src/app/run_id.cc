#include "app/run_id.h"

#include <random>

namespace app {

uint64_t NewRunId() {
  std::random_device device;
  uint64_t high = device();
  uint64_t low = device();
  // 53 bits: stays exact wherever the number is read as a double (JSON).
  return ((high << 32) | low) & ((uint64_t{1} << 53) - 1);
}

}  // namespace app
