#include "cluster/host_output.h"

#include <fmt/format.h>

namespace cluster {

HostOutput::Mode HostOutput::PickMode(const output::Config& config, size_t hosts, bool fold) {
  if (fold) return Mode::kRaw;
  bool quiet = config.quiet && !config.json;
  if (hosts == 1 && quiet) return Mode::kRaw;
  if (hosts == 1 && !config.quiet && !config.json && config.verbose == 0) return Mode::kPieces;
  return Mode::kLines;
}

HostOutput::HostOutput(output::Output* out, std::vector<output::HostRef> hosts, bool serial,
                       LineFilter stdout_filter, output::FoldBuffer* fold, size_t max_line_bytes)
    : out_(out),
      serial_(serial),
      mode_(PickMode(out->config(), hosts.size(), fold != nullptr)),
      quiet_(out->config().quiet && !out->config().json),
      max_line_bytes_(max_line_bytes),
      filter_(std::move(stdout_filter)),
      fold_(fold) {
  hosts_.resize(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) {
    Host& host = hosts_[i];
    host.ref = std::move(hosts[i]);
    host.out = Splitter(i, output::Stream::kStdout);
    host.err = Splitter(i, output::Stream::kStderr);
  }
}

std::unique_ptr<protocol::LineSplitter> HostOutput::Splitter(size_t i, output::Stream stream) {
  bool is_stdout = stream == output::Stream::kStdout;
  // Raw bytes need lines only to find the sync protocol's.
  if (mode_ == Mode::kRaw && !(is_stdout && filter_)) return nullptr;
  size_t cap = mode_ == Mode::kLines ? max_line_bytes_ : kPieceBytes;
  return std::make_unique<protocol::LineSplitter>(
      [this, i, stream, is_stdout](const protocol::LineChunk& c) {
        // Only a whole line (not a piece of a longer one) can be protocol.
        if (is_stdout && filter_ && !c.partial && !c.continued && filter_(i, c.text)) return;
        EmitChunk(i, stream, c);
      },
      cap);
}

void HostOutput::Data(size_t host, output::Stream stream, std::string_view bytes) {
  output::Output::Batch batch(out_);  // The lines of this chunk in one write.
  Host& h = hosts_[host];
  protocol::LineSplitter* splitter = (stream == output::Stream::kStdout ? h.out : h.err).get();
  if (splitter) {
    splitter->Feed(bytes);
  } else {
    Emit(host, stream, true, bytes);
  }
}

void HostOutput::EmitChunk(size_t host, output::Stream stream, const protocol::LineChunk& chunk) {
  std::string_view newline = chunk.newline ? "\n" : "";
  switch (mode_) {
    case Mode::kRaw:
      Emit(host, stream, true, chunk.text, newline);
      return;
    case Mode::kPieces:
      out_->HostPiece(hosts_[host].ref, stream, chunk.text, !chunk.continued, !chunk.partial);
      return;
    case Mode::kLines:
      break;
  }
  Host& h = hosts_[host];
  if (chunk.partial && !h.warned) {
    h.warned = true;
    std::string cap = max_line_bytes_ % (1 << 20) == 0 ? fmt::format("{} MiB", max_line_bytes_ >> 20)
                                                       : fmt::format("{} bytes", max_line_bytes_);
    out_->Log(output::Level::kWarning, fmt::format("{}: a line longer than {} was {} in pieces of that size",
                                                   h.ref.display, cap, quiet_ ? "written" : "printed"));
  }
  Emit(host, stream, quiet_, chunk.text, quiet_ ? newline : std::string_view());
}

// `newline` ("\n" or empty) follows raw text only: HostLine adds its own.
void HostOutput::Emit(size_t host, output::Stream stream, bool raw, std::string_view text,
                      std::string_view newline) {
  if (serial_ && host != current_) {
    std::string held(text);
    held.append(newline);
    hosts_[host].held.push_back({stream, raw, std::move(held)});
    return;
  }
  Write(host, stream, raw, text, newline);
}

void HostOutput::Write(size_t host, output::Stream stream, bool raw, std::string_view text,
                       std::string_view newline) {
  if (fold_) {
    for (std::string_view part : {text, newline}) {
      if (part.empty()) continue;
      util::Status status = fold_->Append(host, part);
      if (!status.ok() && fold_status_.ok()) fold_status_ = status;
    }
  } else if (raw) {
    out_->HostRaw(stream, text);
    if (!newline.empty()) out_->HostRaw(stream, newline);
  } else {
    out_->HostLine(hosts_[host].ref, stream, text);
  }
}

void HostOutput::WriteEnd(size_t host, const End& end) {
  out_->HostEnd(hosts_[host].ref, end.exit_code, end.error);
}

void HostOutput::Finish(size_t host) {
  Host& h = hosts_[host];
  if (h.finished) return;
  if (h.out) h.out->Finish();
  if (h.err) h.err->Finish();
  h.finished = true;
  if (serial_ && host == current_) PassTurn();
}

void HostOutput::Finish(size_t host, std::optional<int> exit_code, const util::Status& error) {
  Host& h = hosts_[host];
  if (h.finished) return;
  if (h.out) h.out->Finish();
  if (h.err) h.err->Finish();
  End end{exit_code, error};
  if (serial_ && host != current_) {
    h.end = std::move(end);
  } else {
    WriteEnd(host, end);
  }
  Finish(host);
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
    if (next.end) WriteEnd(current_, *next.end);
    if (!next.finished) return;
  }
}

}  // namespace cluster
