// Splits a byte stream (a host's stdout or stderr) into lines, with bounded
// memory.
//
// Feed() takes bytes in pieces of any size; every complete line is passed to
// the sink as a LineChunk whose text excludes the '\n' ('\r' is kept: output
// is passed on byte for byte; the protocol parser strips it). Finish() passes
// the bytes after the last '\n', if any, as a final line with newline=false.
//
// Cap: a line longer than `max_line_bytes` is passed on in chunks of exactly
// `max_line_bytes` bytes flagged `partial` (more of the same line follows),
// the last chunk being the rest of the line (never empty, not partial). A
// chunk after a partial one has `continued` set. So the splitter buffers at
// most `max_line_bytes` bytes however long a line is, and a protocol line is
// only a chunk with !partial && !continued. A buffer grown by a long line
// is released when that line has been passed on.
//
// The text passed to the sink points into the splitter's buffer or into the
// bytes given to Feed(): it is valid only during the sink call. The sink must
// not call back into the splitter. Not thread-safe; one splitter per stream.
#ifndef ORGALORG_PROTOCOL_LINE_SPLITTER_H_
#define ORGALORG_PROTOCOL_LINE_SPLITTER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace protocol {

// Default cap on a buffered line, in bytes.
inline constexpr size_t kDefaultMaxLineBytes = 64 * 1024;

struct LineChunk {
  std::string_view text;   // Without '\n'.
  bool partial = false;    // The line goes on in the next chunk (cap hit).
  bool continued = false;  // This chunk continues the previous chunk's line.
  bool newline = false;    // The line ended with '\n' in the input.
};

class LineSplitter {
 public:
  using Sink = std::function<void(const LineChunk&)>;

  // `max_line_bytes` is raised to 1 if 0.
  explicit LineSplitter(Sink sink,
                        size_t max_line_bytes = kDefaultMaxLineBytes);

  LineSplitter(const LineSplitter&) = delete;
  LineSplitter& operator=(const LineSplitter&) = delete;

  void Feed(std::string_view bytes);

  // Emits the unterminated last line, if any, and resets for reuse.
  void Finish();

  // Bytes buffered of the current unterminated line (for tests and metrics).
  size_t buffered() const { return buffer_.size(); }

 private:
  // Emits chunks of exactly max_line_bytes_ while buffer_ + `piece` (a part
  // of a line with no '\n') is longer than the cap; returns the remainder.
  std::string_view EmitFullChunks(std::string_view piece);
  void Emit(std::string_view text, bool partial, bool newline);

  Sink sink_;
  size_t max_line_bytes_;
  std::string buffer_;      // Start of the current line; never above the cap.
  bool continued_ = false;  // The current line already had a partial chunk.
};

}  // namespace protocol

#endif  // ORGALORG_PROTOCOL_LINE_SPLITTER_H_
