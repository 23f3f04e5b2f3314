// Asks the user for a secret on the controlling terminal.
//
// Reads from and writes to /dev/tty, never stdin/stdout, so it works while
// stdin carries hosts (-s) and stdout is redirected. Echo is off while the
// secret is typed and restored afterwards, also when interrupted.
#ifndef ORGALORG_UTIL_TTY_PROMPT_H_
#define ORGALORG_UTIL_TTY_PROMPT_H_

#include <string>

#include "util/status.h"

namespace util {

// Shows `prompt` (e.g. "Key passphrase: ") and returns the line typed,
// without its newline. Fails when there is no terminal. Makes the process
// non-dumpable first (no core file, no ptrace by the same user): the secret
// must not leave memory.
StatusOr<std::string> PromptSecret(const std::string& prompt);

// Overwrites a secret's bytes before it is released.
void Scrub(std::string* secret);

}  // namespace util

#endif  // ORGALORG_UTIL_TTY_PROMPT_H_
