#include "protocol/line_splitter.h"

#include <utility>

namespace protocol {
namespace {

// A buffer grown past this by a long line is released once the line is out.
constexpr size_t kKeptCapacityBytes = 256 * 1024;

void Clear(std::string* buffer) {
  if (buffer->capacity() > kKeptCapacityBytes) {
    std::string().swap(*buffer);
  } else {
    buffer->clear();
  }
}

}  // namespace

LineSplitter::LineSplitter(Sink sink, size_t max_line_bytes)
    : sink_(std::move(sink)),
      max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

void LineSplitter::Emit(std::string_view text, bool partial, bool newline) {
  LineChunk chunk;
  chunk.text = text;
  chunk.partial = partial;
  chunk.continued = continued_;
  chunk.newline = newline;
  continued_ = partial;
  sink_(chunk);
}

std::string_view LineSplitter::EmitFullChunks(std::string_view piece) {
  while (buffer_.size() + piece.size() > max_line_bytes_) {
    if (buffer_.empty()) {
      Emit(piece.substr(0, max_line_bytes_), /*partial=*/true, false);
      piece.remove_prefix(max_line_bytes_);
    } else {
      size_t room = max_line_bytes_ - buffer_.size();
      buffer_.append(piece.substr(0, room));
      piece.remove_prefix(room);
      Emit(buffer_, /*partial=*/true, false);
      Clear(&buffer_);
    }
  }
  return piece;
}

void LineSplitter::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    piece = EmitFullChunks(piece);
    if (newline == std::string_view::npos) {
      buffer_.append(piece);
      return;
    }
    if (buffer_.empty()) {
      Emit(piece, /*partial=*/false, /*newline=*/true);  // No copy.
    } else {
      buffer_.append(piece);
      Emit(buffer_, /*partial=*/false, /*newline=*/true);
      Clear(&buffer_);
    }
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::Finish() {
  if (!buffer_.empty()) {
    Emit(buffer_, /*partial=*/false, /*newline=*/false);
    Clear(&buffer_);
  }
  continued_ = false;
}

}  // namespace protocol
