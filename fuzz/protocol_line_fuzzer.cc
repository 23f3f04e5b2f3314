// libFuzzer target for the protocol line parser: protocol::LineSplitter and
// protocol::ParseToolLine, with the encoders (doc/protocol.md).
//
// Input: bytes as a sync tool could print them on its stdout, any number of
// lines. The run prefix is `ORGALORG:42`.
//
// Properties checked, beyond "no crash, no leak, no undefined behaviour":
//   * LineSplitter, for several caps and several ways of cutting the input
//     into Feed() calls: the chunks put back together (with '\n' after each
//     chunk flagged newline) are the input byte for byte; a partial chunk is
//     exactly the cap long, the others at most; a chunk is `continued` iff the
//     one before was partial; the chunk after a partial one is never empty;
//     the chunk sequence does not depend on how the input was cut; at most
//     the cap is buffered;
//   * ParseToolLine on the whole input and on every complete line: a protocol
//     line starts with `<prefix> `, a SYNC description is the text after
//     `<prefix> SYNC `, the verb of another protocol line has no space, and a
//     line for a shorter or longer run number is user output;
//   * EncodeSync/EncodeNode/EncodeHello/EncodeStart give exactly one line
//     ending with "\n" that parses back as what was encoded (the description
//     with its line breaks turned into spaces); the sender identity is the
//     input's first line when it is a valid address.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "hosts/address.h"
#include "protocol/line_splitter.h"
#include "protocol/sync_protocol.h"

namespace {

using protocol::ToolLine;

const std::string kPrefix = protocol::MakePrefix(42);
const std::string kShorterPrefix = protocol::MakePrefix(4);
const std::string kLongerPrefix = protocol::MakePrefix(420);

struct Chunk {
  std::string text;
  bool partial, continued, newline;
  bool operator==(const Chunk&) const = default;
};

std::string_view Stripped(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

void CheckToolLine(std::string_view line) {
  ToolLine parsed = protocol::ParseToolLine(line, kPrefix);
  std::string_view body = Stripped(line);
  std::string head = kPrefix + " ";
  if (parsed.kind == ToolLine::Kind::kUserOutput) {
    FUZZ_CHECK(parsed.text.empty());
    FUZZ_CHECK(!body.starts_with(head));
    return;
  }
  FUZZ_CHECK(body.starts_with(head));
  std::string_view rest = body.substr(head.size());
  if (parsed.kind == ToolLine::Kind::kSync) {
    FUZZ_CHECK(rest == "SYNC" || rest.starts_with("SYNC "));
    FUZZ_CHECK(parsed.text == (rest == "SYNC" ? "" : rest.substr(5)));
  } else {
    FUZZ_CHECK(parsed.kind == ToolLine::Kind::kUnknownProtocol);
    FUZZ_CHECK(parsed.text != "SYNC");
    FUZZ_CHECK(parsed.text.find(' ') == std::string_view::npos);
    FUZZ_CHECK(rest.starts_with(parsed.text));
    FUZZ_CHECK(rest.size() == parsed.text.size() ||
               rest[parsed.text.size()] == ' ');
  }
  // Another run's prefix, shorter or longer, never matches.
  FUZZ_CHECK(protocol::ParseToolLine(line, kShorterPrefix).kind ==
             ToolLine::Kind::kUserOutput);
  FUZZ_CHECK(protocol::ParseToolLine(line, kLongerPrefix).kind ==
             ToolLine::Kind::kUserOutput);
}

// Splits `input` with `cap`, feeding it in pieces of the sizes in `cuts`
// (cycled; 0 = all the rest at once), and checks the chunk invariants.
std::vector<Chunk> Split(std::string_view input, size_t cap,
                         const std::vector<size_t>& cuts) {
  std::vector<Chunk> chunks;
  chunks.reserve(input.size() / cap + 2);
  protocol::LineSplitter splitter(
      [&](const protocol::LineChunk& c) {
        chunks.push_back({std::string(c.text), c.partial, c.continued,
                          c.newline});
      },
      cap);
  size_t i = 0;
  while (!input.empty()) {
    size_t n = cuts[i++ % cuts.size()];
    if (n == 0 || n > input.size()) n = input.size();
    splitter.Feed(input.substr(0, n));
    input.remove_prefix(n);
    FUZZ_CHECK(splitter.buffered() <= cap);
  }
  splitter.Finish();
  FUZZ_CHECK(splitter.buffered() == 0);
  return chunks;
}

void CheckChunks(std::string_view input, size_t cap,
                 const std::vector<Chunk>& chunks) {
  std::string joined;
  bool previous_partial = false;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    FUZZ_CHECK(c.text.find('\n') == std::string::npos);
    FUZZ_CHECK(c.text.size() <= cap);
    FUZZ_CHECK(c.continued == previous_partial);
    if (c.partial) {
      FUZZ_CHECK(c.text.size() == cap);
      FUZZ_CHECK(!c.newline);
    }
    if (c.continued) FUZZ_CHECK(!c.text.empty());
    if (!c.partial && !c.newline) FUZZ_CHECK(i + 1 == chunks.size());
    joined += c.text;
    if (c.newline) joined += '\n';
    previous_partial = c.partial;
  }
  FUZZ_CHECK(!previous_partial);
  FUZZ_CHECK(joined == input);
}

void CheckEncoded(const std::string& line) {
  FUZZ_CHECK(line.ends_with('\n'));
  FUZZ_CHECK(line.find('\n') == line.size() - 1);
  FUZZ_CHECK(line.find('\r') == std::string::npos);
  FUZZ_CHECK(line.starts_with(kPrefix + " "));
}

void CheckEncoders(std::string_view description, std::string_view identity) {
  std::string flat(description);
  for (char& c : flat) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::string line = protocol::EncodeSync(kPrefix, identity, description);
  CheckEncoded(line);
  ToolLine parsed = protocol::ParseToolLine(line, kPrefix);
  FUZZ_CHECK(parsed.kind == ToolLine::Kind::kSync);
  std::string expected(identity);
  if (!flat.empty()) expected += " " + flat;
  FUZZ_CHECK(parsed.text == expected);

  for (bool current : {false, true}) {
    std::string node = protocol::EncodeNode(kPrefix, identity, current);
    CheckEncoded(node);
    ToolLine n = protocol::ParseToolLine(node, kPrefix);
    FUZZ_CHECK(n.kind == ToolLine::Kind::kUnknownProtocol && n.text == "NODE");
    FUZZ_CHECK(node.ends_with(current ? " CURRENT\n" : "]\n"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  CheckToolLine(input);

  // Every complete line, as the relay sees it.
  std::vector<Chunk> reference =
      Split(input, protocol::kDefaultMaxLineBytes, {0});
  CheckChunks(input, protocol::kDefaultMaxLineBytes, reference);
  for (const Chunk& c : reference) {
    if (!c.partial && !c.continued) {
      CheckToolLine(c.newline ? c.text + "\n" : c.text);
    }
  }

  // Small caps and odd feed sizes: the chunks depend only on the cap.
  static const std::vector<std::vector<size_t>> kCuts = {
      {0}, {1}, {2, 3}, {5, 1, 7}};
  for (size_t cap : {size_t{1}, size_t{3}, size_t{17}}) {
    std::vector<Chunk> base;
    for (size_t k = 0; k < kCuts.size(); ++k) {
      std::vector<Chunk> chunks = Split(input, cap, kCuts[k]);
      if (k == 0) {
        CheckChunks(input, cap, chunks);
        base = std::move(chunks);
      } else {
        FUZZ_CHECK(chunks == base);
      }
    }
  }

  // Encoders, with the input as description; the sender is the input's
  // first line when that is a valid address, else a fixed one.
  std::string identity = "[root@web1:22]";
  util::StatusOr<hosts::Address> address = hosts::ParseAddress(
      input.substr(0, input.find('\n')), "root", hosts::kDefaultSshPort);
  if (address.ok()) identity = hosts::Identity(*address);
  CheckEncoders(input, identity);
  CheckEncoders("", identity);

  FUZZ_CHECK(protocol::EncodeHello(kPrefix) == kPrefix + " HELLO\n");
  FUZZ_CHECK(protocol::EncodeStart(kPrefix) == kPrefix + " START\n");
  return 0;
}
