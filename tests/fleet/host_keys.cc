#include "host_keys.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace fleet {

uint32_t HostAddress(size_t index) {
  uint32_t b = 1 + index / 64000, c = (index / 250) % 256, d = index % 250 + 1;
  return (127u << 24) | (b << 16) | (c << 8) | d;
}

std::string AddressText(uint32_t address) {
  char text[INET_ADDRSTRLEN];
  in_addr in{htonl(address)};
  inet_ntop(AF_INET, &in, text, sizeof text);
  return text;
}

long HostIndex(uint32_t address, size_t hosts) {
  if ((address >> 24) != 127) return -1;
  uint32_t b = (address >> 16) & 255, c = (address >> 8) & 255, d = address & 255;
  if (b < 1 || d < 1 || d > 250) return -1;
  size_t index = (b - 1) * 64000 + c * 250 + (d - 1);
  return index < hosts ? static_cast<long>(index) : -1;
}

Keys::~Keys() {
  for (ssh_key key : host) ssh_key_free(key);
  ssh_key_free(client);
}

namespace {

bool ClientKey(const std::string& dir, Keys* keys, std::string* error) {
  std::string priv = dir + "/id_ed25519", pub = priv + ".pub";
  struct stat st;
  if (stat(priv.c_str(), &st) != 0) {
    ssh_key key = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
        ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, priv.c_str()) != SSH_OK ||
        ssh_pki_export_pubkey_file(key, pub.c_str()) != SSH_OK) {
      ssh_key_free(key);
      *error = "can't write the client key " + priv;
      return false;
    }
    ssh_key_free(key);
  }
  if (ssh_pki_import_pubkey_file(pub.c_str(), &keys->client) != SSH_OK) {
    *error = "can't read the client key " + pub;
    return false;
  }
  return true;
}

}  // namespace

bool PrepareKeys(const std::string& dir, size_t first, size_t hosts, int port, Keys* keys, std::string* error) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "can't make " + dir + ": " + strerror(errno);
    return false;
  }
  if (!ClientKey(dir, keys, error)) return false;
  std::string known = dir + "/known_hosts", tmp = known + ".tmp";
  std::ofstream out(tmp, std::ios::trunc);
  for (size_t i = 0; i < hosts; ++i) {
    ssh_key key = nullptr;
    char* b64 = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
      ssh_key_free(key);
      *error = "can't generate a host key";
      return false;
    }
    keys->host.push_back(key);
    std::string name = AddressText(HostAddress(first + i));
    if (port != 22) name = "[" + name + "]:" + std::to_string(port);
    out << name << " ssh-ed25519 " << b64 << '\n';
    ssh_string_free_char(b64);
  }
  out.close();
  if (!out || rename(tmp.c_str(), known.c_str()) != 0) {
    *error = "can't write " + known;
    return false;
  }
  return true;
}

}  // namespace fleet
