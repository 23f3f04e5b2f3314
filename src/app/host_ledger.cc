#include "app/host_ledger.h"

namespace app {
namespace {

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

void HostLedger::Add(const std::string& host) {
  if (index_.count(host)) return;
  index_[host] = hosts_.size();
  hosts_.push_back(Entry{host, "", false, false});
}

HostLedger::Entry* HostLedger::Find(const std::string& host) {
  auto it = index_.find(host);
  return it == index_.end() ? nullptr : &hosts_[it->second];
}

void HostLedger::Fail(const std::string& host, const util::Status& cause) {
  Entry* entry = Find(host);
  if (!entry || entry->failed) return;
  entry->failed = true;
  entry->cause = OneLine(cause.ToString());
}

void HostLedger::Succeed(const std::string& host) {
  if (Entry* entry = Find(host)) entry->succeeded = true;
}

std::string HostLedger::FailedHostsText(std::string_view default_cause) const {
  std::string text;
  for (const Entry& entry : hosts_) {
    if (entry.succeeded && !entry.failed) continue;
    text += entry.host;
    text += "  # ";
    text += entry.cause.empty() ? OneLine(std::string(default_cause)) : entry.cause;
    text += '\n';
  }
  return text;
}

}  // namespace app
