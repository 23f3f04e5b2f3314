#include "cluster/remote_command.h"

#include "util/shell_quote.h"

namespace cluster {
namespace {

enum class QuoteState { kNone, kSingle, kDouble };

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

std::string QuotedArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& arg : args) {
    out += ' ';
    out += util::ShellQuote(arg);
  }
  return out;
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\n") == std::string_view::npos;
}

// Strings here are built by appending, never as "literal" + temporary: GCC 12
// at -O3 reports a false -Wrestrict in that operator+ (GCC bug 105329).
std::string InRoot(const std::string& root, const std::string& command) {
  if (root.empty()) return command;
  std::string out = "cd ";
  out += util::ShellQuote(root);
  out += " && {\n";
  out += IsBlank(command) ? std::string_view(":") : std::string_view(command);
  out += "\n}";
  return out;
}

// `command` written so that it reads back verbatim at a `{}` in `state`.
std::string Substitution(QuoteState state, std::string_view command) {
  switch (state) {
    case QuoteState::kSingle:
      return util::EscapeForSingleQuotes(command);
    case QuoteState::kDouble: {
      std::string out = "\"";
      out += util::ShellQuote(command);
      out += '"';
      return out;
    }
    case QuoteState::kNone:
      break;
  }
  return util::ShellQuote(command);
}

}  // namespace

std::string ApplyShellTemplate(std::string_view shell_template,
                               std::string_view command) {
  if (shell_template.empty()) return std::string(command);
  std::string out;
  bool substituted = false;
  QuoteState state = QuoteState::kNone;
  for (size_t i = 0; i < shell_template.size(); ++i) {
    char c = shell_template[i];
    if (shell_template.compare(i, 2, "{}") == 0) {
      out += Substitution(state, command);
      substituted = true;
      ++i;
      continue;
    }
    out += c;
    bool escapes = state != QuoteState::kSingle && c == '\\';
    if (escapes && i + 1 < shell_template.size()) {
      out += shell_template[++i];  // Escaped: copied, never a quote or `{}`.
    } else if (state == QuoteState::kNone && c == '\'') {
      state = QuoteState::kSingle;
    } else if (state == QuoteState::kNone && c == '"') {
      state = QuoteState::kDouble;
    } else if ((state == QuoteState::kSingle && c == '\'') ||
               (state == QuoteState::kDouble && c == '"')) {
      state = QuoteState::kNone;
    }
  }
  if (!substituted) {
    out += ' ';
    out += util::ShellQuote(command);
  }
  return out;
}

std::string WrapCommand(const RemoteCommandSpec& wrapper, std::string line) {
  RemoteCommandSpec command;
  command.words = {std::move(line)};
  command.shell_template = wrapper.shell_template;
  command.sudo = wrapper.sudo;
  return BuildRemoteCommand(command);
}

std::string BuildRemoteCommand(const RemoteCommandSpec& spec) {
  std::string command = JoinWords(spec.words);
  if (spec.shell_template.empty()) {
    command += QuotedArgs(spec.args);
    if (spec.sudo) command = std::string(kSudoPrefix) + command;
    return InRoot(spec.root, command);
  }
  std::string line =
      ApplyShellTemplate(spec.shell_template, InRoot(spec.root, command));
  if (!spec.args.empty()) {
    line += " _";
    line += QuotedArgs(spec.args);
  }
  if (spec.sudo) line = std::string(kSudoPrefix) + line;
  return line;
}

}  // namespace cluster
