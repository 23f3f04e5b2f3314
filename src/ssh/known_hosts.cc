#include "ssh/known_hosts.h"

#include <libssh/libssh.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

namespace ssh {
namespace {

// libssh's ssh_session_is_known_server() reads and parses the whole
// known_hosts file for every session: with a known_hosts line per host, a
// run over N hosts parses N * N lines (10,000 hosts: 10^8 lines, seconds of
// CPU). So each file is read once per process into an index of its plain
// lines (names without hashing or patterns), and a host whose key is found
// there under its exact name is known. Everything else (not found, another
// key, hashed or pattern lines) goes to libssh as before, so every verdict
// but "known" is libssh's own, and "known" is one libssh would give too
// (it is OK when any line matching the host carries the server's key).
// A file is read again when its size, time or inode changed (one stat per
// lookup).
class PlainIndex {
 public:
  bool Knows(const std::string& path, const std::string& name, const std::string& key) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    File& file = files_[path];
    if (file.size != st.st_size || file.inode != st.st_ino || file.mtime_ns != MtimeNs(st)) {
      file.entries.clear();
      Load(path, &file.entries);
      file.size = st.st_size, file.inode = st.st_ino, file.mtime_ns = MtimeNs(st);
    }
    return file.entries.contains(name + ' ' + key);
  }

 private:
  struct File {
    off_t size = -1;
    ino_t inode = 0;
    int64_t mtime_ns = 0;
    std::set<std::string> entries;
  };
  static int64_t MtimeNs(const struct stat& st) {
    return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  }

  // Entries are "name type base64" for each name of each plain line.
  static void Load(const std::string& path, std::set<std::string>* entries) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string names, type, base64;
      if (!(fields >> names >> type >> base64)) continue;
      if (names.find_first_of("|*?!@#") != std::string::npos) continue;
      std::istringstream each(names);
      for (std::string name; std::getline(each, name, ',');) {
        if (!name.empty()) entries->insert(name + ' ' + type + ' ' + base64);
      }
    }
  }

  std::mutex mutex_;
  std::map<std::string, File> files_;
};

// The name libssh looks the host up by ("host", or "[host]:port" when the
// port is not 22, lower case), and the server's key as "type base64".
bool KnownByIndex(ssh_session session) {
  static PlainIndex index;
  char* host = nullptr;
  char* path = nullptr;
  unsigned int port = 22;
  ssh_key key = nullptr;
  char* base64 = nullptr;
  bool known = false;
  if (ssh_options_get(session, SSH_OPTIONS_HOST, &host) == SSH_OK &&
      ssh_options_get(session, SSH_OPTIONS_KNOWNHOSTS, &path) == SSH_OK &&
      ssh_options_get_port(session, &port) == SSH_OK && ssh_get_server_publickey(session, &key) == SSH_OK &&
      ssh_pki_export_pubkey_base64(key, &base64) == SSH_OK) {
    std::string name = host;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (port != 22) name = "[" + name + "]:" + std::to_string(port);
    const char* type = ssh_key_type_to_char(ssh_key_type(key));
    known = type != nullptr && index.Knows(path, name, std::string(type) + ' ' + base64);
  }
  ssh_string_free_char(host);
  ssh_string_free_char(path);
  ssh_string_free_char(base64);
  ssh_key_free(key);
  return known;
}

}  // namespace

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
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
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

}  // namespace ssh
