// Feeds one tar stream, made once while it is sent, to many exec channels:
// the upload window shared by a flat upload (upload.h) and a relayed one
// (relay_upload.h).
//
// A sink is one channel, added with Add(): first its `prelude` (bytes of
// the caller's own, e.g. the relay's feed script) is written, then, when it
// takes the archive, every archive byte from offset 0, then EOF on its
// stdin. A sink that does not take the archive gets EOF after its prelude.
//
// Memory: the chunks between the slowest sink still taking the archive and
// the producer are kept, at most kWindowBytes plus one chunk; when the
// slowest sink is that far behind the producer waits for it. Nothing is
// produced while no sink takes the archive. Back-pressure is the channels'
// windows: a sink whose Write() took less than offered waits for its
// channel's on_writable, which the owner forwards to Writable().
//
// A local read error ends every sink's stdin (after its prelude) without
// the rest of the archive, so that every host fails its completion check;
// error() holds it.
//
// Work: a pass touches only the sinks that can take bytes now (those that
// said writable, and those waiting at the window's end when a chunk comes);
// the sinks' offsets are kept in order as they advance, so the slowest is
// at hand: a pass costs nothing per idle host (O(log N) per sink fed).
//
// The owner keeps the channels alive while their sinks are added, and
// calls Remove() when a channel ends or is stopped. Passes run on the loop
// (QueuePump), never inside the owner's call; none runs after destruction.
#ifndef ORGALORG_CLUSTER_STREAM_PUMP_H_
#define ORGALORG_CLUSTER_STREAM_PUMP_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/exec.h"
#include "cluster/upload_window.h"
#include "loop/event_loop.h"
#include "output/output.h"
#include "transfer/tar_stream.h"
#include "util/status.h"

namespace cluster {

// What the status line says (StatusText).
struct PumpStatus {
  std::string label;         // "upload", "upload (relay)"
  size_t hosts = 0;          // Hosts of the phase.
  uint64_t total_bytes = 0;  // Expected archive size for the ETA; 0: unknown.
};

class StreamPump {
 public:
  // How far the producer may run ahead of the slowest sink, in bytes.
  static constexpr uint64_t kWindowBytes = 8 * 1024 * 1024;

  // `sinks`: ids are 0 .. sinks-1 (the owner's node indexes).
  StreamPump(loop::EventLoop* loop, transfer::TarStream* stream, output::Output* out, PumpStatus status,
             size_t sinks);
  ~StreamPump() { *alive_ = false; }
  StreamPump(const StreamPump&) = delete;
  StreamPump& operator=(const StreamPump&) = delete;

  // Sink `id` writes to `channel` from the next pass on.
  void Add(size_t id, ExecChannel* channel, std::string prelude, bool takes_archive);
  // Its channel said it can take bytes again (on_writable).
  void Writable(size_t id);
  // No more bytes to `id` (its command ended or was stopped): it no longer
  // holds the producer back.
  void Remove(size_t id);
  // One more host of the phase has its result (the status line's count).
  void HostDone() { ++hosts_done_; }
  // A pump pass, then the status line, soon on the loop (one at a time).
  void QueuePump();

  // EOF went to `id`'s stdin (after the whole archive, or after an error).
  bool eof_sent(size_t id) const { return sinks_[id].eof_sent; }
  // The local read error that cut the stream; OK otherwise.
  const util::Status& error() const { return error_; }
  // Offset of the slowest sink still taking the archive; the producer's
  // end when none is.
  uint64_t Slowest() const;
  // "upload: 1.5 MiB sent, 0.7 MiB/s, ETA 3 s, 1/4 hosts done" after
  // `seconds` (sent: the slowest sink's offset).
  std::string StatusText(double seconds) const;

 private:
  struct Sink {
    ExecChannel* channel = nullptr;  // Null: not added, or removed.
    std::string prelude;             // Bytes of it not yet written.
    bool takes_archive = false;
    bool eof_sent = false;
    uint64_t offset = 0;             // Archive bytes it has taken.
    bool queued = false;             // In ready_.
    bool hungry = false;             // In hungry_: took all there is.
    bool counted = false;            // `slot` holds its offset.
    std::multiset<uint64_t>::iterator slot;
  };

  void Pass();
  void Ready(size_t id);
  void FeedReady();
  void Feed(size_t id);
  bool WriteArchive(Sink& sink);
  void EndStdin(Sink& sink);
  void Uncount(Sink& sink);
  bool Produce();
  void WakeHungry();

  loop::EventLoop* loop_;
  transfer::TarStream* stream_;
  output::Output* out_;
  PumpStatus status_;
  std::vector<Sink> sinks_;
  std::vector<size_t> ready_;        // To feed in the next pass.
  std::vector<size_t> feeding_;      // Being fed (ready_'s last batch).
  std::vector<size_t> hungry_;       // At the window's end, waiting for a chunk.
  std::multiset<uint64_t> offsets_;  // Of the sinks still taking the archive.
  UploadWindow window_;
  util::Status error_;
  bool produced_all_ = false;
  size_t hosts_done_ = 0;
  loop::TimePoint started_ = loop::Clock::now();
  bool pump_queued_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cluster

#endif  // ORGALORG_CLUSTER_STREAM_PUMP_H_
