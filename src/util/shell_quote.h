// Quoting text for a POSIX shell (sh, bash, dash, zsh in sh mode).
//
// ShellQuote returns one shell word that the shell reads back as exactly the
// given bytes: the text in single quotes, each `'` written as `'\''`.
//   ShellQuote("it's")  == "'it'\\''s'"      (shell source: 'it'\''s')
//   ShellQuote("")      == "''"
// Any byte is safe, including newlines, `$`, backquotes, `\`, `!` and bytes
// that are not UTF-8; the result is always quoted, even for plain words. NUL
// bytes cannot be passed through a shell command line at all; callers must
// not pass them (they are copied verbatim and the shell truncates there).
//
// EscapeForSingleQuotes returns the text with each `'` replaced by `'\''`,
// for pasting between single quotes that are already there.
//
// Pure functions, thread-safe.
#ifndef ORGALORG_UTIL_SHELL_QUOTE_H_
#define ORGALORG_UTIL_SHELL_QUOTE_H_

#include <string>
#include <string_view>

namespace util {

std::string ShellQuote(std::string_view text);

std::string EscapeForSingleQuotes(std::string_view text);

}  // namespace util

#endif  // ORGALORG_UTIL_SHELL_QUOTE_H_
