#include "hosts/host_list.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <unordered_set>

#include "hosts/node_range.h"

namespace hosts {

std::string_view TrimSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

namespace {

// Collects addresses, dropping repeats of (user, host, port).
class HostCollector {
 public:
  HostCollector(const std::string& default_user, int default_port)
      : default_user_(default_user), default_port_(default_port) {}

  // Expands the node ranges in `text` (already trimmed, non-empty), parses
  // each host and adds those not seen yet.
  util::Status Add(std::string_view text) {
    util::StatusOr<NodeRange> range = NodeRange::Parse(text);
    if (!range.ok()) return range.status();
    if (!range->has_ranges()) return AddOne(text);
    if (range->size() > kMaxRangeHostsTotal - range_hosts_) {
      return util::Status::Error(
          QuoteForMessage(text) + " would bring the hosts from ranges to " +
          "more than " + std::to_string(kMaxRangeHostsTotal));
    }
    range_hosts_ += range->size();
    return range->ForEach([&](const std::string& host) {
      util::Status added = AddOne(host);
      if (added.ok()) return added;
      return util::Status::Error(added.message() + " (from " +
                                 QuoteForMessage(text) + ")");
    });
  }

  std::vector<Address>& hosts() { return hosts_; }

 private:
  // Parses one address and adds it unless seen.
  util::Status AddOne(std::string_view text) {
    util::StatusOr<Address> address =
        ParseAddress(text, default_user_, default_port_);
    if (!address.ok()) return address.status();
    std::string key = address->user;
    key += '\0';
    key += address->host;
    key += '\0';
    key += std::to_string(address->port);
    if (seen_.insert(std::move(key)).second) {
      hosts_.push_back(std::move(*address));
    }
    return util::Status::Ok();
  }

  const std::string& default_user_;
  int default_port_;
  std::unordered_set<std::string> seen_;
  std::vector<Address> hosts_;
  size_t range_hosts_ = 0;  // Hosts produced by ranges so far, repeats too.
};

// Reads one line (without '\n') of at most kMaxHostLineBytes into `line`.
// Returns false at end of input with nothing read. Sets `*too_long` and
// stops reading as soon as the line exceeds the limit: the rest of it is
// never read, so that an endless line (`-o /dev/zero`) ends the run at once.
bool ReadLine(std::streambuf* in, std::string* line, bool* too_long) {
  line->clear();
  *too_long = false;
  bool any = false;
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof();
       c = in->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (line->size() >= kMaxHostLineBytes) {
      *too_long = true;
      return true;
    }
    line->push_back(static_cast<char>(c));
  }
  return any;
}

util::Status AddLines(std::istream& in, const std::string& source,
                      HostCollector* collector) {
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) return util::Status::Ok();
  std::string line;
  bool too_long = false;
  for (size_t number = 1; ReadLine(buf, &line, &too_long); ++number) {
    auto prefix = [&] { return source + ":" + std::to_string(number) + ": "; };
    if (too_long) {
      return util::Status::Error(prefix() + "line longer than " +
                                 std::to_string(kMaxHostLineBytes) + " bytes");
    }
    std::string_view text = line;
    size_t hash = text.find('#');
    if (hash != std::string_view::npos) text = text.substr(0, hash);
    text = TrimSpace(text);
    if (text.empty()) continue;
    util::Status added = collector->Add(text);
    if (!added.ok()) return util::Status::Error(prefix() + added.message());
  }
  return util::Status::Ok();
}

util::Status AddFile(const std::string& path, HostCollector* collector) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return util::Status::Error("can't open hosts file " + path + ": " +
                               std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    return util::Status::Error("can't read hosts file " + path + ": " +
                               std::strerror(EISDIR));
  }
  std::ifstream file(path, std::ios::in | std::ios::binary);
  if (!file.is_open()) {
    int error = errno;
    return util::Status::Error("can't open hosts file " + path + ": " +
                               std::strerror(error != 0 ? error : EIO));
  }
  return AddLines(file, path, collector);
}

}  // namespace

util::Status EmptyHostListError(const std::vector<std::string>& host_args, bool read_stdin) {
  std::vector<std::string> sources;
  for (const std::string& arg : host_args) {
    std::string_view text = TrimSpace(arg);
    if (IsHostsFileArg(text)) sources.emplace_back(text);
  }
  if (read_stdin) sources.emplace_back("stdin (-s)");
  if (sources.empty()) return util::Status::Error("no hosts given: the host list is empty");
  if (sources.size() == 1) {
    std::string kind = read_stdin ? "" : "hosts file ";
    return util::Status::Error("no hosts given: " + kind + sources[0] + " lists no hosts");
  }
  std::string list;
  for (size_t i = 0; i < sources.size(); ++i) {
    list += i == 0 ? "" : i + 1 == sources.size() ? " and " : ", ";
    list += sources[i];
  }
  return util::Status::Error("no hosts given: " + list + " list no hosts");
}

bool IsHostsFileArg(std::string_view arg) {
  return arg.starts_with("/") || arg.starts_with("./");
}

util::StatusOr<std::vector<Address>> BuildHostList(
    const std::vector<std::string>& host_args, std::istream* stdin_hosts,
    const std::string& default_user, int default_port) {
  HostCollector collector(default_user, default_port);
  for (const std::string& arg : host_args) {
    std::string_view text = TrimSpace(arg);
    util::Status status = IsHostsFileArg(text)
                              ? AddFile(std::string(text), &collector)
                              : collector.Add(text);
    if (!status.ok()) return status;
  }
  if (stdin_hosts != nullptr) {
    util::Status status = AddLines(*stdin_hosts, "stdin", &collector);
    if (!status.ok()) return status;
  }
  return std::move(collector.hosts());
}

}  // namespace hosts
