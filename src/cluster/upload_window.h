// The archive bytes an upload holds: from the slowest host's position to
// what the producer has made. Whole chunks are dropped once every host has
// passed them, so memory is the window plus one chunk.
#ifndef ORGALORG_CLUSTER_UPLOAD_WINDOW_H_
#define ORGALORG_CLUSTER_UPLOAD_WINDOW_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace cluster {

class UploadWindow {
 public:
  // Absolute archive offsets of the first byte held and of the end.
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  void Push(std::string chunk) {
    end_ += chunk.size();
    chunks_.push_back(std::move(chunk));
  }
  // The bytes from absolute `offset` to the end of its chunk.
  std::string_view At(uint64_t offset) const {
    uint64_t base = begin_;
    for (const std::string& chunk : chunks_) {
      if (offset < base + chunk.size()) {
        return std::string_view(chunk).substr(static_cast<size_t>(offset - base));
      }
      base += chunk.size();
    }
    return {};
  }
  // Drops whole chunks that every host has passed.
  void Release(uint64_t slowest) {
    while (!chunks_.empty() && begin_ + chunks_.front().size() <= slowest) {
      begin_ += chunks_.front().size();
      chunks_.pop_front();
    }
  }

 private:
  std::deque<std::string> chunks_;
  uint64_t begin_ = 0;
  uint64_t end_ = 0;
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_UPLOAD_WINDOW_H_
