#include "cluster/handshake_shards.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "ssh/resolver.h"

namespace cluster {

// One worker thread with its own loop: connects its jobs, at most `limit`
// at a time, and hands each ending over. Everything but Stop() and the
// members set before the thread starts is touched by that thread only.
class Shard {
 public:
  using HandOver = std::function<void(HandshakeShards::Ending)>;

  Shard(size_t id, size_t limit, HandOver hand_over)
      : id_(id), limit_(std::max<size_t>(limit, 1)), hand_over_(std::move(hand_over)), wake_(&loop_) {}
  ~Shard() { Stop(); }

  util::Status Prepare() {
    if (!loop_.status().ok()) return loop_.status();
    if (!wake_.status().ok()) return wake_.status();
    resolver_ = std::make_shared<ssh::Resolver>(&loop_);
    return util::Status::Ok();
  }
  void Add(HandshakeShards::Job job) {
    job.options.direct_only = true;
    if (job.options.resolver) job.options.resolver = resolver_;
    jobs_.push_back(std::move(job));
  }
  util::Status Start() {
    try {
      thread_ = std::thread([this] { Main(); });
    } catch (const std::system_error& error) {
      return util::Status::Error(std::string("can't start a thread: ") + error.what());
    }
    return util::Status::Ok();
  }
  // A host handed back for a route has ended its handshake on the home
  // loop: its place in this shard's share of -d is free again.
  void Release() {
    wake_.Push([this] {
      --in_flight_;
      StartMore();
    });
  }
  void Stop() {
    stop_ = true;
    if (!thread_.joinable()) return;
    wake_.Push([] {});
    thread_.join();
  }

 private:
  struct Connecting {
    std::unique_ptr<ssh::Session> session;
    loop::TimePoint started;
  };

  void Main() {
    StartMore();
    util::Status waited = loop_.RunUntil([this] { return stop_ || (in_flight_ == 0 && next_ >= jobs_.size()); });
    if (!waited.ok() && !stop_) FailTheRest(waited);
    connecting_.clear();  // Dropped here, while their loop exists.
  }

  void StartMore() {
    while (in_flight_ < limit_ && next_ < jobs_.size()) {
      HandshakeShards::Job& job = jobs_[next_++];
      size_t index = job.index;
      Connecting& entry = connecting_[index];
      entry.session = std::make_unique<ssh::Session>(&loop_, std::move(job.options));
      entry.started = loop::Clock::now();
      ++in_flight_;
      entry.session->Connect([this, index](util::Status status) { OnDone(index, std::move(status)); });
    }
  }

  void OnDone(size_t index, util::Status status) {
    auto found = connecting_.find(index);
    HandshakeShards::Ending ending;
    ending.index = index;
    ending.started = found->second.started;
    ending.status = std::move(status);
    ending.shard = id_;
    ending.needs_route = !ending.status.ok() && found->second.session->needs_route();
    if (!ending.needs_route) --in_flight_;  // Else kept until Release().
    if (ending.status.ok()) {
      // Handed over from the loop, once this callback has unwound.
      loop_.Post([this, shared = std::make_shared<HandshakeShards::Ending>(std::move(ending))] {
        auto entry = connecting_.find(shared->index);
        if (entry == connecting_.end()) return;
        shared->session = std::move(entry->second.session);
        connecting_.erase(entry);
        shared->session->LeaveLoop();
        hand_over_(std::move(*shared));
      });
    } else {
      connecting_.erase(found);  // Allowed from its own callback.
      hand_over_(std::move(ending));
    }
    StartMore();
  }

  // The loop itself failed: every job not ended yet fails with it.
  void FailTheRest(const util::Status& why) {
    auto fail = [&](size_t index) {
      HandshakeShards::Ending ending;
      ending.index = index;
      ending.started = loop::Clock::now();
      ending.status = why;
      hand_over_(std::move(ending));
    };
    for (auto& [index, entry] : connecting_) fail(index);
    for (; next_ < jobs_.size(); ++next_) fail(jobs_[next_].index);
  }

  size_t id_;
  size_t limit_;
  HandOver hand_over_;
  loop::EventLoop loop_;
  loop::Inbox wake_;  // Stop() pushes to it: the loop then sees stop_.
  std::shared_ptr<ssh::Resolver> resolver_;
  std::vector<HandshakeShards::Job> jobs_;
  size_t next_ = 0;
  size_t in_flight_ = 0;
  std::unordered_map<size_t, Connecting> connecting_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

HandshakeShards::HandshakeShards(loop::EventLoop* home, size_t count, size_t parallel, Deliver deliver)
    : deliver_(std::move(deliver)), inbox_(home) {
  count = std::clamp<size_t>(count, 1, kMaxShards);
  parallel = std::max<size_t>(parallel, 1);
  for (size_t i = 0; i < count; ++i) {
    // The cap on handshakes in flight is split: shard i takes its share.
    size_t limit = parallel / count + (i < parallel % count ? 1 : 0);
    shards_.push_back(std::make_unique<Shard>(i, limit, [this](Ending ending) { HandOver(std::move(ending)); }));
  }
}

HandshakeShards::~HandshakeShards() { Stop(); }

util::Status HandshakeShards::Start(std::vector<Job> jobs) {
  if (!inbox_.status().ok()) return inbox_.status();
  for (auto& shard : shards_) {
    util::Status prepared = shard->Prepare();
    if (!prepared.ok()) return prepared.Wrap("can't set up a handshake shard");
  }
  for (size_t i = 0; i < jobs.size(); ++i) shards_[i % shards_.size()]->Add(std::move(jobs[i]));
  // Threads inherit the signal mask: block everything while creating them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  util::Status started;
  for (auto& shard : shards_) {
    if (started.ok()) started = shard->Start();
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!started.ok()) Stop();  // The shards that did start end unheard.
  return started;
}

void HandshakeShards::Stop() {
  stopped_ = true;
  for (auto& shard : shards_) shard->Stop();
}

void HandshakeShards::Release(size_t shard) {
  if (shard < shards_.size()) shards_[shard]->Release();
}

void HandshakeShards::HandOver(Ending ending) {
  inbox_.Push([this, shared = std::make_shared<Ending>(std::move(ending))] {
    if (!stopped_) deliver_(std::move(*shared));
  });
}

size_t HandshakeShards::CountFor(size_t hosts, size_t parallel) {
  cpu_set_t set;
  size_t cpus = 1;
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = static_cast<size_t>(CPU_COUNT(&set));
  return std::max<size_t>(1, std::min({cpus, kMaxShards, parallel, hosts}));
}

}  // namespace cluster
