#include "ssh/agent_forward.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ssh/agent_filter.h"

namespace ssh {
namespace {

// A non-blocking connection to the agent at `path`, or -1.
int ConnectAgent(const std::string& path) {
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof(address.sun_path)) return -1;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// One forwarded agent channel and its connection to the local agent.
struct AgentForwarder::Link {
  AgentForwarder* owner = nullptr;
  ssh_channel_struct* channel = nullptr;
  ssh_channel_callbacks_struct callbacks{};
  int fd = -1;
  EventLoop::WatchId watch = 0;
  AgentFramer requests;   // From the host.
  AgentFramer answers;    // From the agent.
  std::string to_agent;   // The request being written.
  bool waiting = false;   // A request is with the agent.
  bool closed = false;

  static int OnData(ssh_session_struct*, ssh_channel_struct*, void* data, uint32_t len, int is_stderr,
                    void* userdata) {
    auto* link = static_cast<Link*>(userdata);
    if (!is_stderr) link->requests.Feed(std::string_view(static_cast<const char*>(data), len));
    link->owner->PostProcess(link);
    return static_cast<int>(len);
  }
  static void OnClose(ssh_session_struct*, ssh_channel_struct*, void* userdata) {
    auto* link = static_cast<Link*>(userdata);
    link->closed = true;
    link->owner->PostProcess(link);
  }
};

AgentForwarder::AgentForwarder(EventLoop* loop, ssh_session_struct* session, std::string agent_socket,
                               std::function<void()> kick)
    : loop_(loop), session_(session), agent_socket_(std::move(agent_socket)), kick_(std::move(kick)) {
  callbacks_ = std::make_unique<ssh_callbacks_struct>();
  std::memset(callbacks_.get(), 0, sizeof(ssh_callbacks_struct));
  ssh_callbacks_init(callbacks_.get());
  callbacks_->userdata = this;
  callbacks_->channel_open_request_auth_agent_function = &AgentForwarder::OnOpenRequest;
  ssh_set_callbacks(session_, callbacks_.get());
}

AgentForwarder::~AgentForwarder() { Stop(); }

ssh_channel_struct* AgentForwarder::OnOpenRequest(ssh_session_struct*, void* userdata) {
  return static_cast<AgentForwarder*>(userdata)->Open();
}

ssh_channel_struct* AgentForwarder::Open() {
  if (stopped_) return nullptr;  // libssh refuses the open.
  int fd = ConnectAgent(agent_socket_);
  if (fd < 0) return nullptr;
  auto link = std::make_unique<Link>();
  link->owner = this;
  link->fd = fd;
  link->channel = ssh_channel_new(session_);
  if (link->channel == nullptr) {
    close(fd);
    return nullptr;
  }
  ssh_callbacks_init(&link->callbacks);
  link->callbacks.userdata = link.get();
  link->callbacks.channel_data_function = &Link::OnData;
  link->callbacks.channel_close_function = &Link::OnClose;
  link->callbacks.channel_eof_function = [](ssh_session_struct* s, ssh_channel_struct* c, void* u) {
    Link::OnClose(s, c, u);
  };
  ssh_set_channel_callbacks(link->channel, &link->callbacks);
  Link* raw = link.get();
  link->watch = loop_->Watch(fd, kReadable, [this, raw](uint32_t events) { OnAgentEvent(raw, events); },
                             /*keeps_loop_alive=*/false);
  links_.push_back(std::move(link));
  return raw->channel;
}

void AgentForwarder::PostProcess(Link* link) {
  std::weak_ptr<char> alive = alive_;
  loop_->Post([this, alive, link] {
    if (alive.expired()) return;
    for (const auto& held : links_) {
      if (held.get() == link) return Process(link);
    }
  });
}

// Takes the host's next request when none is with the agent: passes it on
// or answers the refusal itself.
void AgentForwarder::Process(Link* link) {
  if (link->closed || link->requests.broken()) return Close(link);
  while (!link->waiting) {
    std::optional<std::string> request = link->requests.Next();
    if (!request) break;
    if (AgentRequestAllowed(*request)) {
      link->to_agent = std::move(*request);
      link->waiting = true;
      FlushToAgent(link);
    } else {
      std::string failure = AgentFailureMessage();
      ssh_channel_write(link->channel, failure.data(), static_cast<uint32_t>(failure.size()));
    }
  }
  if (link->requests.broken()) return Close(link);
  kick_();
}

void AgentForwarder::FlushToAgent(Link* link) {
  while (!link->to_agent.empty()) {
    ssize_t n = write(link->fd, link->to_agent.data(), link->to_agent.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return Close(link);
    link->to_agent.erase(0, static_cast<size_t>(n));
  }
  loop_->Modify(link->watch, link->to_agent.empty() ? kReadable : kReadable | kWritable);
}

void AgentForwarder::OnAgentEvent(Link* link, uint32_t events) {
  if (events & kWritable) FlushToAgent(link);
  if (!(events & (kReadable | kFdError))) return;
  char buffer[16384];
  ssize_t n = read(link->fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return Close(link);  // The agent went away.
  link->answers.Feed(std::string_view(buffer, static_cast<size_t>(n)));
  while (std::optional<std::string> answer = link->answers.Next()) {
    ssh_channel_write(link->channel, answer->data(), static_cast<uint32_t>(answer->size()));
    link->waiting = false;
  }
  if (link->answers.broken()) return Close(link);
  Process(link);
}

void AgentForwarder::Close(Link* link) {
  if (link->watch != 0) loop_->Unwatch(link->watch);
  link->watch = 0;
  if (link->fd >= 0) close(link->fd);
  link->fd = -1;
  if (link->channel != nullptr) {
    ssh_remove_channel_callbacks(link->channel, &link->callbacks);
    ssh_channel_close(link->channel);
    ssh_channel_free(link->channel);
    link->channel = nullptr;
  }
  links_.erase(std::remove_if(links_.begin(), links_.end(), [link](const auto& held) { return held.get() == link; }),
               links_.end());
  kick_();
}

void AgentForwarder::Stop() {
  stopped_ = true;
  while (!links_.empty()) Close(links_.back().get());
}

}  // namespace ssh
