// The sync protocol between orgalorg and the sync tool (doc/protocol.md).
// Pure: builds and classifies lines, does no I/O.
//
// Every protocol line is `<prefix> <VERB>[ <rest>]` where the prefix is
// `ORGALORG:<decimal run number>`, unique per run. orgalorg sends, in order:
//   <prefix> HELLO
//   <prefix> NODE [user@host:port]           one line per host of the
//   <prefix> NODE [user@host:port] CURRENT   cluster; CURRENT marks the
//                                            receiving host's own line
//   <prefix> START
// A tool may then print `<prefix> SYNC <description>` on its stdout; orgalorg
// relays it to every tool, the sender included, as
//   <prefix> SYNC [user@host:port] <description>
//
// Encoders return one line INCLUDING its trailing "\n". Line breaks inside a
// description are replaced by spaces, so an encoded message is always one
// line.
//
// Empty description: `<prefix> SYNC` and `<prefix> SYNC ` are valid SYNC
// messages with an empty description; they are relayed as
// `<prefix> SYNC [user@host:port]` (no trailing space). Tools should split
// the relayed line on the first three spaces and accept a missing fourth
// field.
//
// Classification of a line from a tool's stdout (ParseToolLine):
//   * one trailing "\n", then one trailing "\r", are removed first;
//   * the line must start with exactly `<prefix> ` (prefix followed by one
//     space) or it is user output: `ORGALORG:123x SYNC a` and a line with
//     another run number are user output;
//   * then the verb runs to the next space or the end: `SYNC` gives kSync
//     with the description (everything after `SYNC `, kept byte for byte);
//     any other verb, including an empty one and the verbs orgalorg itself
//     sends, gives kUnknownProtocol (the caller logs it; it is not relayed
//     and not printed as output).
// Verbs are case-sensitive.
//
// Thread-safe (no state).
#ifndef ORGALORG_PROTOCOL_SYNC_PROTOCOL_H_
#define ORGALORG_PROTOCOL_SYNC_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace protocol {

inline constexpr std::string_view kPrefixStem = "ORGALORG:";

// `ORGALORG:<run_number>`.
std::string MakePrefix(uint64_t run_number);

// `identity` is hosts::Identity(), i.e. `[user@host:port]`.
std::string EncodeHello(std::string_view prefix);
std::string EncodeNode(std::string_view prefix, std::string_view identity,
                       bool current);
std::string EncodeStart(std::string_view prefix);
std::string EncodeSync(std::string_view prefix,
                       std::string_view sender_identity,
                       std::string_view description);

struct ToolLine {
  enum class Kind { kUserOutput, kSync, kUnknownProtocol };
  Kind kind = Kind::kUserOutput;
  // kSync: the description. kUnknownProtocol: the verb. Otherwise empty.
  // Points into the parsed line: valid while that line is.
  std::string_view text;
};

ToolLine ParseToolLine(std::string_view line, std::string_view prefix);

}  // namespace protocol

#endif  // ORGALORG_PROTOCOL_SYNC_PROTOCOL_H_
