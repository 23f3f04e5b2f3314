// Which hosts of a run succeeded, and why the others did not, for
// --failed-hosts (a list to re-run with `-o ./file`).
//
// The ledger holds every host of the host list, in order, by its display
// name (the address as given, which is what `-o` takes back). Phases mark
// hosts: Fail() keeps the first cause given for a host (the root one: a host
// that could not connect stays "can't connect", whatever happens to the run
// after); Succeed() marks a host done and clears nothing else. A host is
// listed by FailedHostsText() unless it was marked succeeded and never
// failed; one without a recorded cause gets `default_cause` (for hosts
// that never ran because the run stopped elsewhere).
//
// FailedHostsText() is the file's contents: one host per line in hosts-file
// syntax, its cause as a trailing comment on one line (newlines in causes
// become spaces): `web07.dc1  # exit code 3`. Empty when every host
// succeeded. Unknown names passed to Fail()/Succeed() are ignored.
#ifndef ORGALORG_APP_HOST_LEDGER_H_
#define ORGALORG_APP_HOST_LEDGER_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace app {

class HostLedger {
 public:
  void Add(const std::string& host);
  void Fail(const std::string& host, const util::Status& cause);
  void Succeed(const std::string& host);

  bool empty() const { return hosts_.empty(); }
  std::string FailedHostsText(std::string_view default_cause) const;

 private:
  struct Entry {
    std::string host;
    std::string cause;  // Empty: none recorded.
    bool failed = false;
    bool succeeded = false;
  };
  Entry* Find(const std::string& host);

  std::vector<Entry> hosts_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace app

#endif  // ORGALORG_APP_HOST_LEDGER_H_
