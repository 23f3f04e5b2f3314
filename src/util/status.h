// Errors as values.
//
// A Status is either OK or an error carrying a message and a chain of causes,
// outermost first, e.g.
//   "can't connect to address [user@host:22]"
//     └─ "connection timed out after 10000 ms"
// Expected failures (host unreachable, lock busy, non-zero exit) travel as
// Status values and are printed by output/ as a tree. Exceptions never cross
// a module boundary.
#ifndef ORGALORG_UTIL_STATUS_H_
#define ORGALORG_UTIL_STATUS_H_

#include <string>
#include <utility>
#include <vector>

namespace util {

class Status {
 public:
  Status() = default;  // OK.

  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.ok_ = false;
    s.message_ = std::move(message);
    return s;
  }

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }
  const std::vector<Status>& causes() const { return causes_; }

  // Returns a new error whose message is `context` and whose only cause is
  // this status. Wrapping an OK status returns it unchanged.
  Status Wrap(std::string context) const {
    if (ok_) return *this;
    Status outer = Error(std::move(context));
    outer.causes_.push_back(*this);
    return outer;
  }

  // Adds a cause below this error (used for one cause per failed host).
  Status& AddCause(Status cause) {
    causes_.push_back(std::move(cause));
    return *this;
  }

  // The whole chain on one line: "outer: cause: root cause".
  std::string ToString() const {
    std::string out = message_;
    for (const Status& cause : causes_) out += ": " + cause.ToString();
    return out;
  }

 private:
  bool ok_ = true;
  std::string message_;
  std::vector<Status> causes_;
};

// A value or an error.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace util

#endif  // ORGALORG_UTIL_STATUS_H_
