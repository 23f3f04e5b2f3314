#include "cluster/sync_relay.h"

#include "protocol/sync_protocol.h"

namespace cluster {

SyncRelay::SyncRelay(std::string prefix, std::vector<std::string> identities, output::Output* out,
                     std::vector<output::HostRef> refs)
    : prefix_(std::move(prefix)),
      identities_(std::move(identities)),
      out_(out),
      refs_(std::move(refs)),
      tools_(identities_.size()) {
  for (size_t index = 0; index < tools_.size(); ++index) {
    Send(index, protocol::EncodeHello(prefix_));
    for (size_t i = 0; i < identities_.size(); ++i) {
      Send(index, protocol::EncodeNode(prefix_, identities_[i], i == index));
    }
    Send(index, protocol::EncodeStart(prefix_));
  }
}

void SyncRelay::Attach(size_t index, ExecChannel* channel) {
  tools_[index].channel = channel;
  Flush(index);
}

void SyncRelay::Send(size_t index, std::string_view line) {
  Tool& tool = tools_[index];
  if (tool.gone) return;
  if (out_->Enabled(output::Level::kDebug)) {
    std::string_view shown = line.substr(0, line.size() - (line.ends_with('\n') ? 1 : 0));
    out_->Log(output::Level::kDebug, refs_[index].identity + " <- " + std::string(shown));
  }
  tool.queue.append(line);
  Flush(index);
}

void SyncRelay::Flush(size_t index) {
  Tool& tool = tools_[index];
  if (!tool.channel || !tool.channel->started()) return;
  size_t sent = 0;
  while (sent < tool.queue.size()) {
    size_t taken = tool.channel->Write(std::string_view(tool.queue).substr(sent));
    if (taken == 0) break;
    sent += taken;
  }
  tool.queue.erase(0, sent);
}

void SyncRelay::Detach(size_t index) {
  tools_[index].gone = true;
  tools_[index].channel = nullptr;
  tools_[index].queue.clear();
  tools_[index].queue.shrink_to_fit();
}

void SyncRelay::CloseAll() {
  for (Tool& tool : tools_) {
    if (tool.channel) tool.channel->CloseStdin();
  }
}

bool SyncRelay::OnToolLine(size_t index, std::string_view line) {
  protocol::ToolLine parsed = protocol::ParseToolLine(line, prefix_);
  switch (parsed.kind) {
    case protocol::ToolLine::Kind::kUserOutput:
      return false;
    case protocol::ToolLine::Kind::kUnknownProtocol:
      out_->Log(output::Level::kWarning,
                refs_[index].display + ": unknown sync protocol message \"" + std::string(parsed.text) + "\"");
      return true;
    case protocol::ToolLine::Kind::kSync:
      break;
  }
  if (out_->Enabled(output::Level::kDebug)) {
    out_->Log(output::Level::kDebug, refs_[index].identity + " -> " + std::string(line));
  }
  std::string relayed = protocol::EncodeSync(prefix_, identities_[index], parsed.text);
  for (size_t i = 0; i < tools_.size(); ++i) Send(i, relayed);
  return true;
}

}  // namespace cluster
