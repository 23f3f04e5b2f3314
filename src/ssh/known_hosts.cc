#include "ssh/known_hosts.h"

#include <libssh/libssh.h>

namespace ssh {

util::Status VerifyHostKey(ssh_session_struct* session, HostKeyPolicy policy,
                           const std::string& host, const std::string& path) {
  if (policy == HostKeyPolicy::kOff) return util::Status::Ok();
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
