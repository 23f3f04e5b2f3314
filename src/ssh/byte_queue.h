// A fixed-capacity byte queue for a stream pumped between two fds or
// channels: data is read straight into its free space and written straight
// from its front, with no zero-filling, reallocation or shifting on the
// common path (a queue that drains completely starts again at the front;
// only leftovers are moved, and only when the free space at the back is
// smaller than half the capacity).
//
// Contract:
//  * Capacity is fixed at construction; size() never exceeds it.
//  * Space() is writable room at the back (possibly empty when full);
//    Commit(n) appends the first n bytes written there (n <= its size).
//  * Front() is what is queued; Consume(n) drops its first n bytes.
//  * Append() copies what fits and returns how much it took.
//  * Single-threaded; not copyable.
#ifndef ORGALORG_SSH_BYTE_QUEUE_H_
#define ORGALORG_SSH_BYTE_QUEUE_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace ssh {

class ByteQueue {
 public:
  explicit ByteQueue(size_t capacity) : capacity_(capacity), data_(new char[capacity]) {}
  ByteQueue(const ByteQueue&) = delete;
  ByteQueue& operator=(const ByteQueue&) = delete;

  size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }
  size_t capacity() const { return capacity_; }

  std::string_view Front() const { return std::string_view(data_.get() + head_, size()); }
  void Consume(size_t n) {
    head_ += n < size() ? n : size();
    if (head_ == tail_) head_ = tail_ = 0;
  }

  std::span<char> Space() {
    if (head_ > 0 && capacity_ - tail_ < capacity_ / 2) {
      std::memmove(data_.get(), data_.get() + head_, size());
      tail_ -= head_;
      head_ = 0;
    }
    return std::span<char>(data_.get() + tail_, capacity_ - tail_);
  }
  void Commit(size_t n) { tail_ += n; }

  size_t Append(std::string_view bytes) {
    std::span<char> space = Space();
    size_t n = bytes.size() < space.size() ? bytes.size() : space.size();
    if (n > 0) std::memcpy(space.data(), bytes.data(), n);
    Commit(n);
    return n;
  }

 private:
  size_t capacity_;
  std::unique_ptr<char[]> data_;
  size_t head_ = 0;
  size_t tail_ = 0;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_BYTE_QUEUE_H_
