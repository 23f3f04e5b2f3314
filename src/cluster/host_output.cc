#include "cluster/host_output.h"

namespace cluster {

HostOutput::HostOutput(output::Output* out, std::vector<output::HostRef> hosts, bool serial,
                       LineFilter stdout_filter, output::FoldBuffer* fold)
    : out_(out),
      serial_(serial),
      quiet_(out->config().quiet && !out->config().json && !stdout_filter),
      quiet_lines_(out->config().quiet && !out->config().json && stdout_filter),
      filter_(std::move(stdout_filter)),
      fold_(fold) {
  hosts_.resize(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) {
    Host& host = hosts_[i];
    host.ref = std::move(hosts[i]);
    if (quiet_) continue;
    host.out = std::make_unique<protocol::LineSplitter>([this, i](const protocol::LineChunk& c) {
      // Only a whole line (not a piece of an over-long one) can be protocol.
      if (filter_ && !c.partial && !c.continued && filter_(i, c.text)) return;
      EmitLine(i, output::Stream::kStdout, c);
    });
    host.err = std::make_unique<protocol::LineSplitter>([this, i](const protocol::LineChunk& c) {
      EmitLine(i, output::Stream::kStderr, c);
    });
  }
}

void HostOutput::Data(size_t host, output::Stream stream, std::string_view bytes) {
  output::Output::Batch batch(out_);  // The lines of this chunk in one write.
  if (quiet_) {
    Emit(host, stream, true, bytes);
    return;
  }
  Host& h = hosts_[host];
  (stream == output::Stream::kStdout ? h.out : h.err)->Feed(bytes);
}

void HostOutput::EmitLine(size_t host, output::Stream stream, const protocol::LineChunk& chunk) {
  if (!quiet_lines_ && !fold_) {
    Emit(host, stream, false, chunk.text);
    return;
  }
  std::string raw(chunk.text);
  if (chunk.newline) raw.push_back('\n');
  Emit(host, stream, true, raw);
}

void HostOutput::Emit(size_t host, output::Stream stream, bool raw, std::string_view text) {
  if (serial_ && host != current_) {
    hosts_[host].held.push_back({stream, raw, std::string(text)});
    return;
  }
  Write(host, stream, raw, text);
}

void HostOutput::Write(size_t host, output::Stream stream, bool raw, std::string_view text) {
  if (fold_) {
    util::Status status = fold_->Append(host, text);
    if (!status.ok() && fold_status_.ok()) fold_status_ = status;
  } else if (raw) {
    out_->HostRaw(stream, text);
  } else {
    out_->HostLine(hosts_[host].ref, stream, text);
  }
}

void HostOutput::Finish(size_t host) {
  Host& h = hosts_[host];
  if (h.finished) return;
  if (h.out) h.out->Finish();
  if (h.err) h.err->Finish();
  h.finished = true;
  if (serial_ && host == current_) PassTurn();
}

void HostOutput::PassTurn() {
  // Flush every following host that already finished, then make the first
  // one still running current (its held lines are written now, the rest
  // live).
  while (++current_ < hosts_.size()) {
    Host& next = hosts_[current_];
    for (const Held& held : next.held) Write(current_, held.stream, held.raw, held.text);
    next.held.clear();
    next.held.shrink_to_fit();
    if (!next.finished) return;
  }
}

}  // namespace cluster
