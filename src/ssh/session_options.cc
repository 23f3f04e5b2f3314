#include "ssh/session_options.h"

#include <cctype>

namespace ssh {

std::vector<std::string> DefaultIdentityFiles(const std::string& home) {
  const std::string dir = home + "/.ssh/";
  return {dir + "id_ed25519", dir + "id_ecdsa", dir + "id_rsa"};
}

std::string ExpandIdentityPath(const std::string& path, const std::string& home,
                               const std::string& local_user) {
  std::string out;
  size_t i = 0;
  if (path.rfind("~/", 0) == 0) {
    out = home + "/";
    i = 2;
  }
  for (; i < path.size(); ++i) {
    if (path[i] != '%' || i + 1 == path.size()) {
      out += path[i];
      continue;
    }
    char code = path[++i];
    if (code == 'd') out += home;
    else if (code == 'u') out += local_user;
    else if (code == '%') out += '%';
    else { out += '%'; out += code; }
  }
  return out;
}

std::string DefaultKnownHostsPath(const std::string& home) {
  return home + "/.ssh/known_hosts";
}

std::string SessionIdentity(const std::string& user, const std::string& host,
                            int port) {
  return "[" + user + "@" + host + ":" + std::to_string(port) + "]";
}

std::string NormalizeErrorText(std::string text) {
  // libssh prefixes some socket errors with this phrase.
  static const std::string kPrefixes[] = {"Failed to connect: ",
                                          "Socket error: "};
  for (const std::string& prefix : kPrefixes) {
    if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
  }
  while (!text.empty() &&
         (text.back() == '.' || std::isspace(static_cast<unsigned char>(text.back())))) {
    text.pop_back();
  }
  // Lower-case a leading capital unless it starts an acronym ("SSH ...").
  if (text.size() >= 2 && std::isupper(static_cast<unsigned char>(text[0])) &&
      std::islower(static_cast<unsigned char>(text[1]))) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

}  // namespace ssh
