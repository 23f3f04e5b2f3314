#include "cli/options.h"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/duration.h"
#include "cli/hints.h"

namespace cli {
namespace {

// Codes for options that only have a long form.
enum LongOnly {
  kLockFile = 1000,
  kNoPreserveUid,
  kNoPreserveGid,
  kNoUpload,
  kShell,
  kJson,
  kColor,
  kColorsDark,
  kColorsLight,
  kBarFormat,
  kLogFormat,
  kHostKeyCheck,
  kFailedHosts,
  kFold,
  kTimeout,
  kBatch,
  kMaxFail,
  kBatchWait,
  kRelay,
};

// '+' stops parsing at the first operand (no permutation: options come
// before the operands); then ':' makes getopt report a missing argument as
// ':' and stay quiet.
constexpr const char* kShortOptions = "+:CSULo:J:sk:pu:ytwr:exi:ln:g:md:qvVhc:j:z:a:";

const option kLongOptions[] = {
    {"command", no_argument, nullptr, 'C'},
    {"sync", no_argument, nullptr, 'S'},
    {"upload", no_argument, nullptr, 'U'},
    {"lock", no_argument, nullptr, 'L'},
    {"host", required_argument, nullptr, 'o'},
    {"read-stdin", no_argument, nullptr, 's'},
    {"jump", required_argument, nullptr, 'J'},
    {"relay", optional_argument, nullptr, kRelay},
    {"key", required_argument, nullptr, 'k'},
    {"password", no_argument, nullptr, 'p'},
    {"user", required_argument, nullptr, 'u'},
    {"no-lock", no_argument, nullptr, 'y'},
    {"no-lock-fail", no_argument, nullptr, 't'},
    {"lock-file", required_argument, nullptr, kLockFile},
    {"no-conn-fail", no_argument, nullptr, 'w'},
    {"root", required_argument, nullptr, 'r'},
    {"relative", no_argument, nullptr, 'e'},
    {"no-preserve-uid", no_argument, nullptr, kNoPreserveUid},
    {"no-preserve-gid", no_argument, nullptr, kNoPreserveGid},
    {"no-upload", no_argument, nullptr, kNoUpload},
    {"sudo", no_argument, nullptr, 'x'},
    {"stdin", required_argument, nullptr, 'i'},
    {"serial", no_argument, nullptr, 'l'},
    {"shell", required_argument, nullptr, kShell},
    {"sync-cmd", required_argument, nullptr, 'n'},
    {"arg", required_argument, nullptr, 'g'},
    {"simple", no_argument, nullptr, 'm'},
    {"threads", required_argument, nullptr, 'd'},
    {"quiet", no_argument, nullptr, 'q'},
    {"verbose", no_argument, nullptr, 'v'},
    {"json", no_argument, nullptr, kJson},
    {"color", required_argument, nullptr, kColor},
    {"colors-dark", no_argument, nullptr, kColorsDark},
    {"colors-light", no_argument, nullptr, kColorsLight},
    {"bar-format", required_argument, nullptr, kBarFormat},
    {"log-format", required_argument, nullptr, kLogFormat},
    {"host-key-check", required_argument, nullptr, kHostKeyCheck},
    {"failed-hosts", required_argument, nullptr, kFailedHosts},
    {"fold", no_argument, nullptr, kFold},
    {"timeout", required_argument, nullptr, kTimeout},
    {"batch", required_argument, nullptr, kBatch},
    {"max-fail", required_argument, nullptr, kMaxFail},
    {"batch-wait", required_argument, nullptr, kBatchWait},
    {"version", no_argument, nullptr, 'V'},
    {"help", no_argument, nullptr, 'h'},
    {"conn-timeout", required_argument, nullptr, 'c'},
    {"send-timeout", required_argument, nullptr, 'j'},
    {"recv-timeout", required_argument, nullptr, 'z'},
    {"keep-alive", required_argument, nullptr, 'a'},
    {nullptr, 0, nullptr, 0},
};

// Parses a positive decimal number; `what` names it in the error, as the
// original does ("can't convert threads count to number").
util::Status ParsePositive(const char* text, const char* what, int* out) {
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno == ERANGE || value > INT_MAX) {
    return util::Status::Error(std::string("can't convert ") + what +
                               " to number: \"" + text + "\"");
  }
  if (value <= 0) {
    return util::Status::Error(std::string(what) + " must be positive: \"" +
                               text + "\"");
  }
  *out = static_cast<int>(value);
  return util::Status::Ok();
}

util::Status SetMode(Options* options, Mode mode) {
  if (options->mode != Mode::kNone && options->mode != mode) {
    return util::Status::Error(
        "only one of -C, -S, -U and -L may be given");
  }
  options->mode = mode;
  return util::Status::Ok();
}

// Name of the option as the user typed it, for error messages. After an
// error with a long option getopt has moved optind just past it; a bad short
// option is named by optopt.
std::string OffendingOption(int argc, char** argv, int optopt_value) {
  if (optind >= 1 && optind - 1 < argc) {
    std::string word = argv[optind - 1];
    if (word.rfind("--", 0) == 0 && word.size() > 2) {
      size_t eq = word.find('=');
      return eq == std::string::npos ? word : word.substr(0, eq);
    }
  }
  return std::string("-") + static_cast<char>(optopt_value);
}

// Why getopt_long refused the word that starts with "--": an exact name
// given a value it does not take, an abbreviation of several names, or no
// such name. Short options are always "unknown option -x".
std::string RefusedOption(int argc, char** argv, int optopt_value) {
  std::string word = OffendingOption(argc, argv, optopt_value);
  if (word.rfind("--", 0) != 0) return "unknown option " + word;
  std::string name = word.substr(2);
  std::vector<std::string> matches;
  for (const option* o = kLongOptions; o->name != nullptr; ++o) {
    if (name == o->name) return "option " + word + " takes no value";
    if (std::string_view(o->name).substr(0, name.size()) == name) {
      matches.push_back(std::string("--") + o->name);
    }
  }
  if (matches.size() > 1) {
    std::string list;
    for (const std::string& m : matches) list += (list.empty() ? "" : ", ") + m;
    return "ambiguous option " + word + " (" + list + ")";
  }
  std::vector<std::string_view> names;
  for (const option* o = kLongOptions; o->name != nullptr; ++o) names.push_back(o->name);
  std::string closest = ClosestName(name, names);
  return "unknown option " + word + (closest.empty() ? "" : " (did you mean --" + closest + "?)");
}

// `-root` would be -r with the value "oot", `-command` -C -o "mmand":
// refused, as a long option written with one dash (no sensible bundle
// spells a long option's whole name).
util::Status RefuseSingleDashLongName(std::string_view word) {
  if (word.size() < 3 || word[0] != '-' || word[1] == '-') return util::Status::Ok();
  std::string_view name = word.substr(1, word.find('=') - 1);
  for (const option* o = kLongOptions; o->name != nullptr; ++o) {
    if (name == o->name) {
      return util::Status::Error(std::string(word.substr(0, name.size() + 1)) +
                                 " is not an option: long options take two dashes (--" + o->name + ")");
    }
  }
  return util::Status::Ok();
}

// The values of --color and --host-key-check.
util::Status ParseColor(const std::string& value, Color* color) {
  if (value == "auto") *color = Color::kAuto;
  else if (value == "always") *color = Color::kAlways;
  else if (value == "never") *color = Color::kNever;
  else return util::Status::Error("--color must be auto, always or never: \"" + value + "\"");
  return util::Status::Ok();
}

util::Status ParseHostKeyCheck(const std::string& value, bool* strict) {
  if (value == "accept-new") *strict = false;
  else if (value == "strict") *strict = true;
  else return util::Status::Error("--host-key-check must be accept-new or strict: \"" + value + "\"");
  return util::Status::Ok();
}

util::Status ParseBatch(const char* arg, Options* o) {
  util::StatusOr<std::vector<Amount>> sizes = ParseBatchSizes(arg);
  if (!sizes.ok()) return sizes.status();
  o->batch_sizes = std::move(*sizes);
  return util::Status::Ok();
}

util::Status ParseMaxFailOption(const char* arg, Options* o) {
  util::StatusOr<Amount> limit = ParseMaxFail(arg);
  if (!limit.ok()) return limit.status();
  o->max_fail = *limit;
  o->max_fail_given = true;
  return util::Status::Ok();
}

// Applies one parsed option. `arg` is optarg (null for flags).
util::Status Apply(int code, const char* arg, Options* o) {
  switch (code) {
    case 'C': return SetMode(o, Mode::kCommand);
    case 'S': return SetMode(o, Mode::kSync);
    case 'U': return SetMode(o, Mode::kUpload);
    case 'L': return SetMode(o, Mode::kLock);
    case 'o': o->hosts.push_back(arg); break;
    case 's': o->read_stdin = true; break;
    case 'J': o->jump = arg; break;
    case 'k': o->key = arg; break;
    case 'p': o->password = true; break;
    case 'u': o->user = arg; break;
    case 'y': o->no_lock = true; break;
    case 't': o->no_lock_fail = true; break;
    case kLockFile: o->lock_file = arg; break;
    case 'w': o->no_conn_fail = true; break;
    case 'r': o->root = arg; break;
    case 'e': o->relative = true; break;
    case kNoPreserveUid: o->no_preserve_uid = true; break;
    case kNoPreserveGid: o->no_preserve_gid = true; break;
    case kNoUpload: o->no_upload = true; break;
    case kRelay:
      if (arg == nullptr) {
        o->relay_fanout = kDefaultRelayFanout;
        break;
      }
      return ParsePositive(arg, "relay fan-out", &o->relay_fanout);
    case 'x': o->sudo = true; break;
    case 'i': o->stdin_file = arg; break;
    case 'l': o->serial = true; break;
    case kShell: o->shell = arg; break;
    case 'n': o->sync_cmd = arg; o->sync_cmd_given = true; break;
    case 'g': o->args.push_back(arg); break;
    case 'm': o->simple = true; break;
    case 'd': return ParsePositive(arg, "threads count", &o->threads);
    case 'q': o->quiet = true; break;
    case 'v': ++o->verbose; break;
    case kJson: o->json = true; break;
    case kColor: return ParseColor(arg, &o->color);
    case kHostKeyCheck: return ParseHostKeyCheck(arg, &o->strict_host_keys);
    case kFailedHosts: o->failed_hosts_file = arg; break;
    case kFold: o->fold = true; break;
    case kTimeout: return ParseDurationMs(arg, "command timeout", &o->command_timeout_ms);
    case kBatch: return ParseBatch(arg, o);
    case kMaxFail: return ParseMaxFailOption(arg, o);
    case kBatchWait: return ParseDurationMs(arg, "batch wait", &o->batch_wait_ms);
    case kColorsDark: o->colors_dark = true; break;
    case kColorsLight: o->colors_light = true; break;
    case kBarFormat: o->bar_format = arg; break;
    case kLogFormat: o->log_format = arg; break;
    case 'V': o->version = true; break;
    case 'h': o->help = true; break;
    case 'c': return ParseDurationMs(arg, "connection timeout", &o->conn_timeout_ms);
    case 'j': return ParseDurationMs(arg, "send timeout", &o->send_timeout_ms);
    case 'z': return ParseDurationMs(arg, "receive timeout", &o->recv_timeout_ms);
    case 'a': return ParseDurationMs(arg, "keep-alive interval", &o->keep_alive_ms);
    default: return util::Status::Error("internal: unhandled option");
  }
  return util::Status::Ok();
}

// The operands each mode needs, and -r for -U.
util::Status ValidateOperands(const Options& o) {
  switch (o.mode) {
    case Mode::kCommand:
      if (o.positional.empty()) return util::Status::Error("-C needs a command");
      break;
    case Mode::kUpload:
      if (o.root.empty()) {
        return util::Status::Error("-U needs -r <dir>" + MisplacedOptionHint(o, {"-r", "--root"}));
      }
      if (o.positional.empty()) return util::Status::Error("-U needs files to upload");
      break;
    case Mode::kLock:
      if (!o.positional.empty()) {
        return util::Status::Error("-L takes no arguments: \"" + o.positional[0] + "\"");
      }
      break;
    case Mode::kSync:
      if (o.no_upload && !o.positional.empty()) {
        return util::Status::Error("--no-upload takes no files: \"" + o.positional[0] + "\"");
      }
      break;
    case Mode::kNone:
      break;
  }
  return util::Status::Ok();
}

// --batch runs commands (-C only, for now); --max-fail and --batch-wait
// shape batches.
util::Status ValidateBatches(const Options& o) {
  if (o.batch_sizes.empty()) {
    if (o.max_fail_given) return util::Status::Error("--max-fail works with --batch only");
    if (o.batch_wait_ms > 0) return util::Status::Error("--batch-wait works with --batch only");
    return util::Status::Ok();
  }
  if (o.mode != Mode::kCommand && o.mode != Mode::kSync) {
    return util::Status::Error("--batch works with -C and -S only");
  }
  return util::Status::Ok();
}

// Options that can't be used together or outside some modes.
util::Status ValidateCombinations(const Options& o) {
  if (!o.stdin_file.empty() && o.mode == Mode::kSync && !o.simple) {
    return util::Status::Error("-i in sync mode needs -m (the protocol uses the tool's stdin)");
  }
  bool runs_commands = o.mode == Mode::kCommand || o.mode == Mode::kSync;
  if (o.fold && !runs_commands) return util::Status::Error("--fold works with -C and -S only");
  if (o.command_timeout_ms > 0 && !runs_commands) {
    return util::Status::Error("--timeout works with -C and -S only");
  }
  if (o.relay_fanout > 0 && !(o.mode == Mode::kUpload || (o.mode == Mode::kSync && !o.no_upload))) {
    return util::Status::Error("--relay works with -U and -S (with an upload) only");
  }
  util::Status batches = ValidateBatches(o);
  if (!batches.ok()) return batches;
  if (o.fold && o.json) return util::Status::Error("--fold and --json can't be used together");
  if (o.fold && o.serial) return util::Status::Error("--fold and -l can't be used together");
  if (o.read_stdin && !o.stdin_file.empty() && o.stdin_file == "-") {
    return util::Status::Error("-s and -i - both want stdin");
  }
  return util::Status::Ok();
}

// The checks that need the whole command line.
util::Status Validate(const Options& o) {
  if (o.help || o.version) return util::Status::Ok();
  if (o.mode == Mode::kNone) {
    std::string before = o.positional.empty() ? "" : " before the first operand \"" + o.positional[0] + "\"";
    return util::Status::Error("no mode given: one of -C, -S, -U or -L is required" + before);
  }
  if (o.hosts.empty() && !o.read_stdin) {
    return util::Status::Error("no hosts given: use -o <host> or -s" +
                               MisplacedOptionHint(o, {"-o", "--host", "-s", "--read-stdin"}));
  }
  util::Status status = ValidateOperands(o);
  if (status.ok()) status = ValidateCombinations(o);
  return status;
}

}  // namespace

util::StatusOr<Options> ParseOptions(int argc, char** argv) {
  Options options;
  optind = 0;  // GNU: full re-initialisation, so parsing can run again.
  opterr = 0;
  int bundle_word = -1;  // The word whose short flags getopt is inside.
  for (;;) {
    int word = std::max(optind, 1);
    bool starts_word = word != bundle_word;
    int code = getopt_long(argc, argv, kShortOptions, kLongOptions, nullptr);
    if (code == -1) break;
    bundle_word = optind == word ? word : -1;
    if (starts_word) {
      util::Status status = RefuseSingleDashLongName(argv[word]);
      if (!status.ok()) return status;
    }
    if (code == '?') {
      return util::Status::Error(RefusedOption(argc, argv, optopt));
    }
    if (code == ':') {
      return util::Status::Error("option " + OffendingOption(argc, argv, optopt) +
                                 " needs a value");
    }
    util::Status status = Apply(code, optarg, &options);
    if (!status.ok()) return status;
  }
  for (int i = optind; i < argc; ++i) options.positional.push_back(argv[i]);
  util::Status status = Validate(options);
  if (!status.ok()) return status;
  return options;
}

util::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  // getopt permutes argv, so give it copies it may reorder.
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.push_back("orgalorg");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : storage) argv.push_back(word.data());
  argv.push_back(nullptr);
  return ParseOptions(static_cast<int>(storage.size()), argv.data());
}

}  // namespace cli
