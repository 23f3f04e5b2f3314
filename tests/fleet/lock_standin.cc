#include "lock_standin.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleet {
namespace {

constexpr std::string_view kMarker = "orgalorg-lock-holder";
constexpr std::string_view kOpen = "exec 9< ";

// The script inside `bash -c '...'` (or the whole command without -c).
std::string InnerScript(std::string_view command) {
  size_t pos = 0;
  while (pos < command.size()) {
    size_t before = pos;
    std::string word = NextShellWord(command, &pos);
    if (word == "-c") return NextShellWord(command, &pos);
    if (pos == before) ++pos;  // At a `;`, which ends a word but is none: step over it.
  }
  return std::string(command);
}

// The host's view of `path` as a path on this machine.
std::string MapPath(const std::string& path, Isolation isolation, const std::string& host_dir) {
  if (path.empty() || path[0] != '/') return host_dir + "/tmp/home/" + path;
  if (isolation != Isolation::kMount) return path;
  auto under = [&](std::string_view dir) {
    return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
  };
  if (under("/tmp")) return host_dir + "/tmp" + path.substr(4);
  if (under("/run/orgalorg")) return host_dir + "/run" + path.substr(13);
  if (under("/var/run/orgalorg")) return host_dir + "/run" + path.substr(17);
  return path;
}

bool MakeDirs(const std::string& path) {
  for (size_t slash = 1; slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string part = path.substr(0, slash);
    if (!part.empty()) mkdir(part.c_str(), 0755);
  }
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return false;
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

// The holder's script starts with the no-op `: orgalorg-lock-holder;`; the
// cleanup command names the marker too (to spare the holder) and must run.
bool IsLockHolder(std::string_view command) {
  std::string script = InnerScript(command);
  size_t at = script.find_first_not_of(" \t\n");
  return at != std::string::npos && script.compare(at, 2 + kMarker.size() + 1, ": " + std::string(kMarker) + ";") == 0;
}

std::string NextShellWord(std::string_view text, size_t* pos) {
  size_t i = *pos;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  std::string word;
  char quote = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else word += c;
    } else if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < text.size() && strchr("$`\"\\\n", text[i + 1])) word += text[++i];
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
    } else if (c == ' ' || c == '\t' || c == '\n' || c == ';') {
      break;
    } else {
      word += c;
    }
  }
  *pos = i;
  return word;
}

LockAnswer TakeLock(std::string_view command, Isolation isolation, const std::string& host_dir) {
  LockAnswer answer;
  std::string script = InnerScript(command);
  size_t at = script.find(kOpen);
  if (at == std::string::npos) {
    answer.first = "NOPATH fleet: no lock path in the command";
    return answer;
  }
  size_t pos = at + kOpen.size();
  std::string path = MapPath(NextShellWord(script, &pos), isolation, host_dir);
  bool directory = script.find("e=$(mkdir -p ") != std::string::npos;
  if (directory && !MakeDirs(path)) {
    answer.first = "NOPATH mkdir: " + std::string(strerror(errno));
    return answer;
  }
  if (!directory) {
    int made = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (made >= 0) close(made);
  }
  answer.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (answer.fd < 0) {
    answer.first = "NOPATH " + std::string(strerror(errno));
    return answer;
  }
  if (flock(answer.fd, LOCK_EX | LOCK_NB) != 0) {
    close(answer.fd);
    answer.fd = -1;
    answer.first = "BUSY";
    return answer;
  }
  answer.locked = true;
  answer.first = "LOCKED";
  return answer;
}

}  // namespace fleet
