#include "output/color.h"

#include <array>
#include <cstdint>

namespace output {
namespace {

// Bright green, yellow, blue, magenta, cyan, then the normal green, cyan,
// magenta and blue-ish 256-colour sky blue: all readable on black.
constexpr std::array<std::string_view, 9> kDarkPalette = {
    "92", "93", "94", "95", "96", "32", "36", "35", "38;5;75"};
// Normal green, blue, magenta, cyan, then darker 256-colour tones: all
// readable on white.
constexpr std::array<std::string_view, 8> kLightPalette = {
    "32", "34", "35", "36", "38;5;22", "38;5;19", "38;5;90", "38;5;24"};

uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

bool UseColor(ColorMode mode, bool is_terminal, const char* no_color) {
  switch (mode) {
    case ColorMode::kAlways: return true;
    case ColorMode::kNever: return false;
    case ColorMode::kAuto: return is_terminal && (no_color == nullptr || *no_color == '\0');
  }
  return false;
}

std::string_view HostColor(Theme theme, std::string_view host) {
  uint64_t hash = Fnv1a(host);
  if (theme == Theme::kLight) return kLightPalette[hash % kLightPalette.size()];
  return kDarkPalette[hash % kDarkPalette.size()];
}

std::string_view ErrorColor(Theme theme) { return theme == Theme::kLight ? "1;31" : "1;91"; }

std::string_view WarningColor(Theme theme) { return theme == Theme::kLight ? "1;38;5;130" : "1;93"; }

std::string Paint(std::string_view sgr, std::string_view text) {
  if (sgr.empty()) return std::string(text);
  std::string out;
  out.reserve(sgr.size() + text.size() + 7);
  out += "\033[";
  out += sgr;
  out += 'm';
  out += text;
  out += "\033[0m";
  return out;
}

}  // namespace output
