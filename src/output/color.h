// Colour for terminal output: when to use it and which colours.
//
// `--color auto` colours a stream only when it is a terminal and NO_COLOR is
// unset or empty (https://no-color.org); `always` colours even a file or a
// pipe; `never` never does. Output decides per stream (stdout, stderr) and
// never colours -q or --json output.
//
// A host's prefix gets a colour picked from the theme's palette by a hash
// of the host name as given (FNV-1a), so a host has the same colour in
// every run. The palettes leave out red and yellow-on-white, which mark
// errors and warnings. Dark theme (the default, --colors-dark): bright
// colours for dark backgrounds. Light theme (--colors-light): the normal,
// darker colours, readable on white.
//
// Colours are SGR parameter strings ("1;91"); Paint() wraps a text in
// "\033[<sgr>m" and "\033[0m". Pure functions, thread-safe.
#ifndef ORGALORG_OUTPUT_COLOR_H_
#define ORGALORG_OUTPUT_COLOR_H_

#include <string>
#include <string_view>

namespace output {

enum class ColorMode { kAuto, kAlways, kNever };
enum class Theme { kDark, kLight };

// Whether a stream is coloured. `no_color` is getenv("NO_COLOR") (may be
// null); only `auto` reads it and `is_terminal`.
bool UseColor(ColorMode mode, bool is_terminal, const char* no_color);

// The colour of `host`'s prefix: stable for a name, from the theme's palette.
std::string_view HostColor(Theme theme, std::string_view host);
// The colours of the "error:" and "warning:" level prefixes.
std::string_view ErrorColor(Theme theme);
std::string_view WarningColor(Theme theme);

// "\033[<sgr>m<text>\033[0m"; `text` alone when `sgr` is empty.
std::string Paint(std::string_view sgr, std::string_view text);

}  // namespace output

#endif  // ORGALORG_OUTPUT_COLOR_H_
