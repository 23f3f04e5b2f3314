#include "ssh/resolver.h"

#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace ssh {

// State shared between the loop thread and the workers; it lives as long as
// either still holds it.
struct Resolver::Shared {
  struct Request {
    LookupId id;
    std::string host;
    int port;
  };
  struct Answer {
    LookupId id;
    util::StatusOr<std::vector<Endpoint>> result;
  };

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Request> requests;
  std::deque<Answer> answers;
  size_t workers = 0;
  size_t idle = 0;
  bool closed = false;
  int event_fd = -1;

  ~Shared() {
    if (event_fd >= 0) close(event_fd);
  }

  static void Work(std::shared_ptr<Shared> shared) {
    std::unique_lock<std::mutex> lock(shared->mutex);
    for (;;) {
      ++shared->idle;
      shared->wake.wait(lock, [&] { return shared->closed || !shared->requests.empty(); });
      --shared->idle;
      if (shared->closed) break;
      Request request = std::move(shared->requests.front());
      shared->requests.pop_front();
      lock.unlock();
      util::StatusOr<std::vector<Endpoint>> result = ResolveNow(request.host, request.port, false);
      lock.lock();
      if (shared->closed) break;
      shared->answers.push_back(Answer{request.id, std::move(result)});
      uint64_t one = 1;
      ssize_t ignored = write(shared->event_fd, &one, sizeof one);
      (void)ignored;
    }
    --shared->workers;
  }
};

util::StatusOr<std::vector<Endpoint>> ResolveNow(const std::string& host, int port, bool numeric_only) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : AI_ADDRCONFIG);
  std::string service = std::to_string(port);
  addrinfo* list = nullptr;
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    return util::Status::Error("can't resolve " + host + ": " + why);
  }
  std::vector<Endpoint> endpoints;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    Endpoint endpoint;
    std::memcpy(&endpoint.address, ai->ai_addr, ai->ai_addrlen);
    endpoint.length = ai->ai_addrlen;
    endpoint.family = ai->ai_family;
    endpoints.push_back(endpoint);
  }
  freeaddrinfo(list);
  if (endpoints.empty()) return util::Status::Error("can't resolve " + host + ": no address");
  return endpoints;
}

Resolver::Resolver(EventLoop* loop) : loop_(loop), shared_(std::make_shared<Shared>()) {
  shared_->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (shared_->event_fd >= 0) {
    watch_ = loop_->Watch(shared_->event_fd, kReadable, [this](uint32_t) { Deliver(); },
                          /*keeps_loop_alive=*/false);
  }
}

Resolver::~Resolver() {
  if (watch_ != 0) loop_->Unwatch(watch_);
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->closed = true;
  shared_->requests.clear();
  shared_->wake.notify_all();
}

Resolver::LookupId Resolver::Lookup(const std::string& host, int port, Done done) {
  LookupId id = next_id_++;
  util::StatusOr<std::vector<Endpoint>> numeric = ResolveNow(host, port, /*numeric_only=*/true);
  if (numeric.ok() || watch_ == 0) {
    if (!numeric.ok()) numeric = ResolveNow(host, port, false);  // No eventfd: block.
    pending_[id] = std::move(done);
    std::weak_ptr<char> alive = alive_;
    loop_->Post([this, alive, id, result = std::move(numeric)]() mutable {
      if (alive.expired()) return;
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      Done callback = std::move(it->second);
      pending_.erase(it);
      callback(std::move(result));
    });
    return id;
  }
  pending_[id] = std::move(done);
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->requests.push_back(Shared::Request{id, host, port});
  if (shared_->idle < shared_->requests.size() && shared_->workers < kMaxWorkers) {
    ++shared_->workers;
    std::thread(Shared::Work, shared_).detach();
  }
  shared_->wake.notify_one();
  return id;
}

void Resolver::Cancel(LookupId id) { pending_.erase(id); }

void Resolver::Deliver() {
  uint64_t count = 0;
  ssize_t ignored = read(shared_->event_fd, &count, sizeof count);
  (void)ignored;
  std::deque<Shared::Answer> answers;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    answers.swap(shared_->answers);
  }
  for (Shared::Answer& answer : answers) {
    auto it = pending_.find(answer.id);
    if (it == pending_.end()) continue;
    Done callback = std::move(it->second);
    pending_.erase(it);
    callback(std::move(answer.result));
  }
}

}  // namespace ssh
