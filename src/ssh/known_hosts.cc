#include "ssh/known_hosts.h"

#include <libssh/libssh.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace ssh {
namespace {

// libssh reads and parses the whole known_hosts file twice for every
// session: in the key exchange (to prefer the host key types it knows for
// the host) and in ssh_session_is_known_server(). With a line per host, a
// run over N hosts parses 2 * N * N lines (10,000 hosts: 2 * 10^8 lines,
// seconds of CPU). So each file is read once per process (again when its
// size, time or inode changed: one stat per lookup) into the lines naming
// each host, when all its lines are plain: names without hashing, patterns
// or capitals (libssh skips `@` marker lines, and so do we). A file with
// any other line is left to libssh entirely.
//  * Key exchange: libssh is given, in place of the file, a file in memory
//    holding only the lines naming this host (KexKnownHosts), which orders
//    the host key types exactly as the whole file would.
//  * Verification: a host whose line carries the server's key is known
//    (libssh says the same: any matching line with the key is OK); every
//    other verdict is libssh's, from the whole file.
class PlainIndex {
 public:
  // The lines naming `name` in `path`; nullptr when the file can't be
  // indexed (missing, unreadable, or not all plain).
  const std::vector<std::string>* Lines(const std::string& path, const std::string& name) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    File& file = files_[path];
    if (file.size != st.st_size || file.inode != st.st_ino || file.mtime_ns != MtimeNs(st)) {
      file = File{st.st_size, st.st_ino, MtimeNs(st), false, {}};
      file.plain = Load(path, &file.lines);
    }
    if (!file.plain) return nullptr;
    static const std::vector<std::string> kNone;
    auto it = file.lines.find(name);
    return it == file.lines.end() ? &kNone : &it->second;
  }

 private:
  struct File {
    off_t size = -1;
    ino_t inode = 0;
    int64_t mtime_ns = 0;
    bool plain = false;
    std::unordered_map<std::string, std::vector<std::string>> lines;
  };
  static int64_t MtimeNs(const struct stat& st) {
    return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  }
  // False when a line is not plain.
  static bool Load(const std::string& path, std::unordered_map<std::string, std::vector<std::string>>* lines) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
      size_t start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#' || line[start] == '@') continue;
      size_t end = line.find_first_of(" \t", start);
      if (end == std::string::npos) return false;
      std::string names = line.substr(start, end - start);
      if (names.find_first_of("|*?!ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) return false;
      std::istringstream each(names);
      for (std::string name; std::getline(each, name, ',');) {
        if (!name.empty()) (*lines)[name].push_back(line);
      }
    }
    return true;
  }

  std::mutex mutex_;
  std::map<std::string, File> files_;
};

PlainIndex& Index() {
  static PlainIndex index;
  return index;
}

std::string OptionText(ssh_session session, ssh_options_e option) {
  char* value = nullptr;
  if (ssh_options_get(session, option, &value) != SSH_OK || value == nullptr) return "";
  std::string text = value;
  ssh_string_free_char(value);
  return text;
}

// The name libssh looks the host up by: "host", or "[host]:port" when the
// port is not 22, in lower case.
std::string LookupName(ssh_session session) {
  std::string name = OptionText(session, SSH_OPTIONS_HOST);
  unsigned int port = 22;
  if (name.empty() || ssh_options_get_port(session, &port) != SSH_OK) return "";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return port == 22 ? name : "[" + name + "]:" + std::to_string(port);
}

bool KnownByIndex(ssh_session session) {
  std::string name = LookupName(session);
  if (name.empty()) return false;
  const std::vector<std::string>* lines = Index().Lines(OptionText(session, SSH_OPTIONS_KNOWNHOSTS), name);
  if (lines == nullptr || lines->empty()) return false;
  ssh_key key = nullptr;
  char* base64 = nullptr;
  bool known = false;
  if (ssh_get_server_publickey(session, &key) == SSH_OK && ssh_pki_export_pubkey_base64(key, &base64) == SSH_OK) {
    const char* type = ssh_key_type_to_char(ssh_key_type(key));
    for (const std::string& line : *lines) {
      std::istringstream fields(line);
      std::string names, line_type, line_key;
      fields >> names >> line_type >> line_key;
      if (type != nullptr && line_type == type && line_key == base64) known = true;
    }
  }
  ssh_string_free_char(base64);
  ssh_key_free(key);
  return known;
}

// Appends the session's host key to its known_hosts file; one writer at a
// time, as sessions on several loops may record keys at once.
bool RecordHostKey(ssh_session session) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  return ssh_session_update_known_hosts(session) == SSH_OK;
}

}  // namespace

KexKnownHosts::KexKnownHosts(ssh_session_struct* session) : session_(session) {
  std::string name = LookupName(session);
  path_ = OptionText(session, SSH_OPTIONS_KNOWNHOSTS);
  if (name.empty() || path_.empty()) return;
  const std::vector<std::string>* lines = Index().Lines(path_, name);
  if (lines == nullptr) return;
  fd_ = memfd_create("orgalorg-known-hosts", MFD_CLOEXEC);
  if (fd_ < 0) return;
  std::string text;
  for (const std::string& line : *lines) text += line + '\n';
  std::string in_memory = "/proc/self/fd/" + std::to_string(fd_);
  if (write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, in_memory.c_str()) != SSH_OK) {
    close(fd_);
    fd_ = -1;
  }
}

KexKnownHosts::~KexKnownHosts() {
  if (fd_ >= 0) close(fd_);
}

void KexKnownHosts::Restore() {
  if (fd_ < 0) return;
  ssh_options_set(session_, SSH_OPTIONS_KNOWNHOSTS, path_.c_str());
  close(fd_);
  fd_ = -1;
}

util::Status VerifyHostKey(ssh_session_struct* session, HostKeyPolicy policy,
                           const std::string& host, const std::string& path) {
  if (policy == HostKeyPolicy::kOff) return util::Status::Ok();
  if (KnownByIndex(session)) return util::Status::Ok();
  const std::string where = " (known_hosts file " + path + ")";
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      return util::Status::Ok();
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return util::Status::Error("host key for " + host + " has changed" +
                                 where + "; refusing to connect");
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (policy == HostKeyPolicy::kStrict) {
        return util::Status::Error("host key for " + host + " is unknown" +
                                   where + "; refusing to connect");
      }
      if (!RecordHostKey(session)) {
        return util::Status::Error("can't record host key for " + host +
                                   where + ": " + ssh_get_error(session));
      }
      return util::Status::Ok();
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return util::Status::Error("can't check host key for " + host + where +
                                 ": " + ssh_get_error(session));
  }
}

std::string ServerHostKeyText(ssh_session_struct* session) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK || key == nullptr) return "";
  char* base64 = nullptr;
  std::string text;
  if (ssh_pki_export_pubkey_base64(key, &base64) == SSH_OK && base64 != nullptr) {
    text = std::string(ssh_key_type_to_char(ssh_key_type(key))) + " " + base64;
    ssh_string_free_char(base64);
  }
  ssh_key_free(key);
  return text;
}

}  // namespace ssh
