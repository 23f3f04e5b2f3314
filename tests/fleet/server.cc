#include "server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <signal.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <unordered_map>
#include <vector>

#include "lock_standin.h"
#include "stdin_pump.h"

namespace fleet {
namespace {

constexpr int kMaxEvents = 1024;
constexpr int kAcceptsPerWakeup = 64;   // Fairness between accepting and serving.
constexpr size_t kPendingInCap = 65536;  // Bytes for a child's stdin held here beyond the pipe.
constexpr size_t kReadChunk = 32768;  // A child's output read at a time.
constexpr int kSpawnThreads = 2;

struct Session;
struct Chan;

// What an epoll event is about; lives inside its Session or Chan.
struct Watch {
  enum Type { kListener, kSignals, kSpawned, kSocket, kStdin, kStdout, kStderr } type;
  Session* session = nullptr;
  Chan* chan = nullptr;
};

struct Chan {
  Session* session;
  ssh_channel channel;
  ssh_channel_callbacks_struct callbacks{};
  enum class Kind { kNone, kProcess, kLock } kind = Kind::kNone;
  Child child;  // pid 0 while its start is queued.
  uint64_t token = 0;
  Watch in_watch{Watch::kStdin}, out_watch{Watch::kStdout}, err_watch{Watch::kStderr};
  bool want_in = false, out_paused = false, err_paused = false;
  bool exited = false;
  int status = 0;
  StdinPump in{&child.in, kPendingInCap};  // The client's bytes on their way to child.in.
  bool client_eof = false;
  bool finished = false;  // Exit status, EOF and close sent.
  bool closed_by_client = false;
  std::string command;      // The exec request, until started.
  bool start_pending = false;
  int lock_fd = -1;
  std::string lock_line;
  double last_ping = 0;  // When its last heartbeat line came.
};

class Server;

struct Session {
  Server* server = nullptr;
  ssh_session ssh = nullptr;
  ssh_event event = nullptr;
  int fd = -1;
  size_t host = 0;
  bool kex_done = false, dead = false;
  uint32_t events = EPOLLIN;
  Watch watch{Watch::kSocket};
  ssh_server_callbacks_struct callbacks{};
  std::vector<std::unique_ptr<Chan>> chans;
  std::vector<Chan*> starts;  // Exec requests to start after this dopoll.
};

struct Stats {
  uint64_t accepted = 0, handshakes = 0, auth_ok = 0, auth_denied = 0, failed = 0, live = 0, peak_live = 0;
  uint64_t execs = 0, locks = 0, lock_busy = 0, pings = 0, exec_fail = 0;
  double kex_cpu = 0;  // Thread CPU seconds in accept + key exchange.
  double spawn_wall = 0;  // Seconds spent starting commands (clone until exec).
  double first_accept = 0, last_handshake = 0;
  double ping_gap = 0;   // Longest wait between two heartbeat lines of one holder.
  double loop_pass = 0;  // Longest pass over one epoll_wait's events.
};

double Now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

class Server {
 public:
  Server(const ServerOptions& options, Keys* keys) : options_(options), keys_(keys), dirs_(options.hosts) {}
  int Run();
  bool Dispatch(const epoll_event& event);

 private:
  bool Listen();
  void Accept();
  void StartSession(int fd, size_t host);
  void OnSocket(Session* s, uint32_t events);
  void AfterPoll(Session* s);
  void Kill(Session* s);
  void WatchFd(int fd, struct Watch* watch, uint32_t events, int op = EPOLL_CTL_ADD);
  void CloseWatched(int* fd);
  // Channels.
  static ssh_channel OnOpen(ssh_session ssh, void* user);
  static int OnAuthKey(ssh_session, const char*, ssh_key key, char state, void* user);
  static int OnExec(ssh_session, ssh_channel, const char* command, void* user);
  static int OnData(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr, void* user);
  static void OnEof(ssh_session, ssh_channel, void* user);
  static void OnClose(ssh_session, ssh_channel, void* user);
  static void OnSignal(ssh_session, ssh_channel, const char* signal, void* user);
  static int OnWontBlock(ssh_session, ssh_channel, uint32_t bytes, void* user);
  void Start(Chan* c);
  void StartLock(Chan* c);
  void LockInput(Chan* c, const char* data, size_t len);
  void OnStdinWritable(Chan* c);
  void WantStdin(Chan* c, bool want);
  void CloseStdin(Chan* c);
  void OnOutput(Chan* c, bool is_stderr);
  void PauseOutput(Chan* c, bool is_stderr, bool pause);
  void MaybeFinish(Chan* c);
  void Reap();
  void OnSpawned();
  bool OnSignalFd();
  void PrintStats(const char* why);
  const std::string& HostDir(size_t host);

  const ServerOptions& options_;
  Keys* keys_;
  ssh_bind bind_ = nullptr;
  int epoll_ = -1, listener_ = -1, signals_ = -1;
  struct Watch listener_watch_{Watch::kListener}, signal_watch_{Watch::kSignals}, spawn_watch_{Watch::kSpawned};
  std::unique_ptr<Spawner> spawner_;
  uint64_t next_token_ = 0;
  std::unordered_map<uint64_t, Chan*> tokens_;        // Starts queued.
  std::unordered_map<pid_t, int> early_exits_;        // Reaped before their start was reported.
  std::vector<std::string> dirs_;
  std::unordered_map<pid_t, Chan*> children_;
  std::unordered_map<Session*, std::unique_ptr<Session>> sessions_;
  std::vector<std::unique_ptr<Session>> graveyard_;  // Freed after the current batch of events.
  Stats stats_;
  double start_wall_ = Now(CLOCK_MONOTONIC);
};

void Server::WatchFd(int fd, struct Watch* watch, uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watch;
  if (epoll_ctl(epoll_, op, fd, &ev) != 0) perror("orgalorg-fleet: epoll_ctl");
}

// Leaves the epoll set before closing: a child between clone and exec (of
// any host) holds a copy of every descriptor, so close() alone may leave
// the registration, and its events would name a freed Chan.
void Server::CloseWatched(int* fd) {
  if (*fd < 0) return;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, *fd, nullptr);
  close(*fd);
  *fd = -1;
}

const std::string& Server::HostDir(size_t host) {
  if (dirs_[host].empty()) {
    std::string error;
    dirs_[host] = HostDirectory(options_.root_dir, AddressText(HostAddress(options_.first_host + host)), &error);
    if (dirs_[host].empty()) fprintf(stderr, "orgalorg-fleet: %s\n", error.c_str());
  }
  return dirs_[host];
}

bool Server::Listen() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options_.port);
  inet_pton(AF_INET, options_.listen.c_str(), &addr.sin_addr);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener_, 65535) != 0) {
    fprintf(stderr, "orgalorg-fleet: can't listen on %s:%d: %s\n", options_.listen.c_str(), options_.port,
            strerror(errno));
    return false;
  }
  WatchFd(listener_, &listener_watch_, EPOLLIN);
  return true;
}

void Server::Accept() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR) perror("orgalorg-fleet: accept");
      return;
    }
    sockaddr_in local{};
    socklen_t len = sizeof local;
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    long host = HostIndex(ntohl(local.sin_addr.s_addr), options_.first_host + options_.hosts);
    host -= static_cast<long>(options_.first_host);
    if (host < 0) {
      close(fd);  // No host at that address: as a refused connection.
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (stats_.accepted++ == 0) stats_.first_accept = Now(CLOCK_MONOTONIC);
    double cpu = Now(CLOCK_THREAD_CPUTIME_ID);
    StartSession(fd, host);
    stats_.kex_cpu += Now(CLOCK_THREAD_CPUTIME_ID) - cpu;
  }
}

void Server::StartSession(int fd, size_t host) {
  auto owned = std::make_unique<Session>();
  Session* s = owned.get();
  s->fd = fd;
  s->host = host;
  s->watch.session = s;
  s->server = this;
  s->ssh = ssh_new();
  ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_IMPORT_KEY, ssh_key_dup(keys_->host[host]));
  if (ssh_bind_accept_fd(bind_, s->ssh, fd) != SSH_OK) {
    fprintf(stderr, "orgalorg-fleet: accept: %s\n", ssh_get_error(bind_));
    ssh_free(s->ssh);
    close(fd);
    ++stats_.failed;
    return;
  }
  s->callbacks.userdata = s;
  s->callbacks.auth_pubkey_function = OnAuthKey;
  s->callbacks.channel_open_request_session_function = OnOpen;
  ssh_callbacks_init(&s->callbacks);
  ssh_set_server_callbacks(s->ssh, &s->callbacks);
  ssh_set_auth_methods(s->ssh, SSH_AUTH_METHOD_PUBLICKEY);
  ssh_set_blocking(s->ssh, 0);
  WatchFd(fd, &s->watch, EPOLLIN);
  ++stats_.live;
  if (stats_.live > stats_.peak_live) stats_.peak_live = stats_.live;
  sessions_.emplace(s, std::move(owned));
  OnSocket(s, EPOLLIN);
}

// The socket is ready: the key exchange while it lasts, then the session's
// own event.
void Server::OnSocket(Session* s, uint32_t events) {
  if (s->dead) return;
  if (!s->kex_done) {
    double cpu = Now(CLOCK_THREAD_CPUTIME_ID);
    int rc = ssh_handle_key_exchange(s->ssh);
    stats_.kex_cpu += Now(CLOCK_THREAD_CPUTIME_ID) - cpu;
    if (rc == SSH_AGAIN) return AfterPoll(s);
    if (rc != SSH_OK) {
      ++stats_.failed;
      return Kill(s);
    }
    s->kex_done = true;
    ++stats_.handshakes;
    stats_.last_handshake = Now(CLOCK_MONOTONIC);
    s->event = ssh_event_new();
    ssh_event_add_session(s->event, s->ssh);
  }
  (void)events;
  if (ssh_event_dopoll(s->event, 0) == SSH_ERROR && !ssh_is_connected(s->ssh)) return Kill(s);
  AfterPoll(s);
}

// Only from the loop's top level (never inside a libssh callback: Kill
// frees the session).
void Server::AfterPoll(Session* s) {
  if (s->dead) return;
  std::vector<Chan*> starts;
  starts.swap(s->starts);
  for (Chan* c : starts) Start(c);
  int status = ssh_get_status(s->ssh);
  if ((status & (SSH_CLOSED | SSH_CLOSED_ERROR)) || !ssh_is_connected(s->ssh)) return Kill(s);
  uint32_t want = EPOLLIN | ((ssh_get_poll_flags(s->ssh) & SSH_WRITE_PENDING) ? uint32_t{EPOLLOUT} : 0u);
  if (want != s->events) {
    s->events = want;
    WatchFd(s->fd, &s->watch, want, EPOLL_CTL_MOD);
  }
}

// The connection is gone: every channel's pipes are closed (its command
// sees EOF and EPIPE, as under sshd), every lock released.
void Server::Kill(Session* s) {
  if (s->dead) return;
  s->dead = true;
  --stats_.live;
  for (auto& c : s->chans) {
    for (int* fd : {&c->child.in, &c->child.out, &c->child.err, &c->lock_fd}) CloseWatched(fd);
    if (c->child.pid > 0 && !c->exited) children_.erase(c->child.pid);
    if (c->token) tokens_.erase(c->token);
  }
  epoll_ctl(epoll_, EPOLL_CTL_DEL, s->fd, nullptr);
  if (s->event) {
    ssh_event_remove_session(s->event, s->ssh);
    ssh_event_free(s->event);
  }
  ssh_disconnect(s->ssh);
  ssh_free(s->ssh);  // Frees its channels too; closes the socket.
  auto it = sessions_.find(s);
  graveyard_.push_back(std::move(it->second));
  sessions_.erase(it);
}

int Server::OnAuthKey(ssh_session, const char*, ssh_key key, char state, void* user) {
  auto* s = static_cast<Session*>(user);
  Server* server = s->server;
  if (ssh_key_cmp(key, server->keys_->client, SSH_KEY_CMP_PUBLIC) != 0) {
    ++server->stats_.auth_denied;
    return SSH_AUTH_DENIED;
  }
  if (state == SSH_PUBLICKEY_STATE_VALID) ++server->stats_.auth_ok;
  // STATE_NONE: the key is acceptable (libssh answers PK_OK); VALID: signed.
  return state == SSH_PUBLICKEY_STATE_NONE || state == SSH_PUBLICKEY_STATE_VALID ? SSH_AUTH_SUCCESS
                                                                                 : SSH_AUTH_DENIED;
}

ssh_channel Server::OnOpen(ssh_session ssh, void* user) {
  auto* s = static_cast<Session*>(user);
  auto c = std::make_unique<Chan>();
  c->session = s;
  c->channel = ssh_channel_new(ssh);
  c->in_watch.chan = c->out_watch.chan = c->err_watch.chan = c.get();
  c->callbacks.userdata = c.get();
  c->callbacks.channel_exec_request_function = OnExec;
  c->callbacks.channel_data_function = OnData;
  c->callbacks.channel_eof_function = OnEof;
  c->callbacks.channel_close_function = OnClose;
  c->callbacks.channel_signal_function = OnSignal;
  c->callbacks.channel_write_wontblock_function = OnWontBlock;
  ssh_callbacks_init(&c->callbacks);
  ssh_set_channel_callbacks(c->channel, &c->callbacks);
  ssh_channel channel = c->channel;
  s->chans.push_back(std::move(c));
  return channel;
}

int Server::OnExec(ssh_session, ssh_channel, const char* command, void* user) {
  auto* c = static_cast<Chan*>(user);
  if (c->kind != Chan::Kind::kNone || c->start_pending) return SSH_ERROR;
  c->command = command;
  c->start_pending = true;
  c->session->starts.push_back(c);  // After libssh has sent the exec's success.
  return SSH_OK;
}

void Server::Start(Chan* c) {
  c->start_pending = false;
  Session* s = c->session;
  if (c->closed_by_client || s->dead) return;
  const std::string& dir = HostDir(s->host);
  if (options_.lock_standin && IsLockHolder(c->command)) return StartLock(c);
  std::string error;
  SpawnJob job;
  if (dir.empty() || !MakePipes(&c->child, &job, &error)) {
    ++stats_.exec_fail;
    std::string line = "orgalorg-fleet: can't start the command: " + error + "\n";
    ssh_channel_write_stderr(c->channel, line.data(), line.size());
    c->kind = Chan::Kind::kProcess;
    c->exited = true;
    c->status = 127 << 8;
    return MaybeFinish(c);
  }
  c->kind = Chan::Kind::kProcess;
  c->child.pid = 0;
  c->token = job.token = ++next_token_;
  job.isolation = options_.isolation;
  job.host_dir = dir;
  job.command = std::move(c->command);
  c->command = std::string();
  tokens_[c->token] = c;
  WatchFd(c->child.in, &c->in_watch, 0);
  WatchFd(c->child.out, &c->out_watch, EPOLLIN);
  WatchFd(c->child.err, &c->err_watch, EPOLLIN);
  spawner_->Submit(std::move(job));
  WantStdin(c, true);  // Data (and EOF) that came before the start is still with libssh.
}

// Started (or not): the pid joins the children reaped; an exit reaped
// before this news is applied now.
void Server::OnSpawned() {
  for (SpawnResult& result : spawner_->TakeResults()) {
    stats_.spawn_wall += result.seconds;
    auto it = tokens_.find(result.token);
    if (it == tokens_.end()) continue;  // Its connection is gone.
    Chan* c = it->second;
    tokens_.erase(it);
    if (result.pid < 0) {
      ++stats_.exec_fail;
      std::string line = "orgalorg-fleet: can't start the command: " + result.error + "\n";
      ssh_channel_write_stderr(c->channel, line.data(), line.size());
      c->exited = true;
      c->status = 127 << 8;
    } else {
      ++stats_.execs;
      c->child.pid = result.pid;
      auto early = early_exits_.find(result.pid);
      if (early != early_exits_.end()) {
        c->exited = true;
        c->status = early->second;
        early_exits_.erase(early);
      } else {
        children_[result.pid] = c;
      }
    }
    MaybeFinish(c);
    if (!c->session->dead) AfterPoll(c->session);
  }
}

void Server::StartLock(Chan* c) {
  LockAnswer answer = TakeLock(c->command, options_.isolation, HostDir(c->session->host));
  c->command.clear();
  c->kind = Chan::Kind::kLock;
  c->lock_fd = answer.fd;
  std::string line = answer.first + "\n";
  ssh_channel_write(c->channel, line.data(), line.size());
  ++stats_.locks;
  if (!answer.locked) {
    ++stats_.lock_busy;
    c->exited = true;
    c->status = 1 << 8;
    MaybeFinish(c);
  } else if (c->client_eof) {
    OnEof(nullptr, c->channel, c);
  }
}

// The heartbeat: every line back, at once.
void Server::LockInput(Chan* c, const char* data, size_t len) {
  c->lock_line.append(data, len);
  size_t start = 0;
  for (size_t nl; (nl = c->lock_line.find('\n', start)) != std::string::npos; start = nl + 1) {
    double now = Now(CLOCK_MONOTONIC);
    if (c->last_ping > 0) stats_.ping_gap = std::max(stats_.ping_gap, now - c->last_ping);
    c->last_ping = now;
    ssh_channel_write(c->channel, c->lock_line.data() + start, nl + 1 - start);
    ++stats_.pings;
  }
  c->lock_line.erase(0, start);
}

int Server::OnData(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr, void* user) {
  auto* c = static_cast<Chan*>(user);
  if (is_stderr) return len;
  if (c->kind == Chan::Kind::kLock) {
    c->session->server->LockInput(c, static_cast<const char*>(data), len);
    return len;
  }
  if (c->kind != Chan::Kind::kProcess) return 0;  // Not started yet: libssh keeps it.
  if (c->child.in < 0) return len;                // stdin closed: dropped, as a pipe would.
  size_t used = c->in.Offer(static_cast<const char*>(data), len);
  if (c->in.broken()) {
    c->session->server->CloseStdin(c);
  } else if (c->in.queued()) {
    c->session->server->WantStdin(c, true);
  }
  return used;
}

void Server::WantStdin(Chan* c, bool want) {
  if (c->want_in == want || c->child.in < 0) return;
  c->want_in = want;
  WatchFd(c->child.in, &c->in_watch, want ? uint32_t{EPOLLOUT} : 0u, EPOLL_CTL_MOD);
}

// The pipe is writable (or stdin was just started or ended): the queue,
// then what libssh holds for the channel. Reading from libssh may run the
// session's packets, hence OnData/OnEof/OnClose, before it returns: the
// pump keeps those bytes in order (stdin_pump.h). Stdin is closed after
// the client's EOF only once every byte is in the pipe.
void Server::OnStdinWritable(Chan* c) {
  if (c->child.in < 0) return;
  StdinPump::Result result = c->in.Drain([c](char* buffer, size_t size) {
    return ssh_channel_read_nonblocking(c->channel, buffer, static_cast<uint32_t>(size), 0);
  });
  if (result == StdinPump::Result::kBroken) return CloseStdin(c);
  if (result == StdinPump::Result::kBlocked) return WantStdin(c, true);
  WantStdin(c, false);
  if (c->client_eof) CloseStdin(c);
}

void Server::CloseStdin(Chan* c) {
  if (c->child.in < 0) return;
  CloseWatched(&c->child.in);
  c->want_in = false;
  c->in.Clear();
}

void Server::OnEof(ssh_session, ssh_channel, void* user) {
  auto* c = static_cast<Chan*>(user);
  c->client_eof = true;
  if (c->kind == Chan::Kind::kLock && c->lock_fd >= 0) {
    close(c->lock_fd);  // Releases the flock.
    c->lock_fd = -1;
    c->exited = true;
    c->status = 0;
    c->session->server->MaybeFinish(c);
  } else if (c->kind == Chan::Kind::kProcess) {
    c->session->server->WantStdin(c, true);  // Closed there once all is in the pipe.
  }
}

void Server::OnClose(ssh_session, ssh_channel, void* user) {
  auto* c = static_cast<Chan*>(user);
  c->closed_by_client = true;
  Server* server = c->session->server;
  for (int* fd : {&c->child.in, &c->child.out, &c->child.err, &c->lock_fd}) server->CloseWatched(fd);
  if (!c->finished) {
    c->finished = true;
    ssh_channel_close(c->channel);
  }
}

void Server::OnSignal(ssh_session, ssh_channel, const char* name, void* user) {
  auto* c = static_cast<Chan*>(user);
  if (c->kind != Chan::Kind::kProcess || c->exited || c->child.pid <= 0) return;
  static const std::pair<const char*, int> kSignals[] = {{"TERM", SIGTERM}, {"KILL", SIGKILL}, {"INT", SIGINT},
                                                         {"HUP", SIGHUP},   {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}};
  for (auto& [text, number] : kSignals) {
    if (strcmp(text, name) == 0) kill(-c->child.pid, number);
  }
}

int Server::OnWontBlock(ssh_session, ssh_channel, uint32_t, void* user) {
  auto* c = static_cast<Chan*>(user);
  Server* server = c->session->server;
  if (c->out_paused) server->PauseOutput(c, false, false);
  if (c->err_paused) server->PauseOutput(c, true, false);
  return 0;
}

void Server::PauseOutput(Chan* c, bool is_stderr, bool pause) {
  int fd = is_stderr ? c->child.err : c->child.out;
  bool& paused = is_stderr ? c->err_paused : c->out_paused;
  if (fd < 0 || paused == pause) return;
  paused = pause;
  WatchFd(fd, is_stderr ? &c->err_watch : &c->out_watch, pause ? 0u : uint32_t{EPOLLIN}, EPOLL_CTL_MOD);
}

// The child wrote: pass on what the client's window takes.
void Server::OnOutput(Chan* c, bool is_stderr) {
  int& fd = is_stderr ? c->child.err : c->child.out;
  if (fd < 0) return;
  uint32_t window = ssh_channel_window_size(c->channel);
  if (window == 0) return PauseOutput(c, is_stderr, true);
  char buf[kReadChunk];
  ssize_t n = read(fd, buf, std::min<size_t>(window, sizeof buf));
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) {
    CloseWatched(&fd);
    return MaybeFinish(c);
  }
  if (is_stderr) {
    ssh_channel_write_stderr(c->channel, buf, n);
  } else {
    ssh_channel_write(c->channel, buf, n);
  }
}

// As sshd: once the command has exited and its output is drained, EOF,
// the exit status (or signal), close.
void Server::MaybeFinish(Chan* c) {
  if (c->finished || !c->exited || c->child.out >= 0 || c->child.err >= 0) return;
  c->finished = true;
  CloseStdin(c);
  ssh_channel_send_eof(c->channel);
  if (WIFSIGNALED(c->status)) {
    const char* name = sigabbrev_np(WTERMSIG(c->status));
    ssh_channel_request_send_exit_signal(c->channel, name ? name : "KILL", 0, "", "");
  } else {
    ssh_channel_request_send_exit_status(c->channel, WEXITSTATUS(c->status));
  }
  ssh_channel_close(c->channel);
}

void Server::Reap() {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    auto it = children_.find(pid);
    if (it == children_.end()) {
      if (!tokens_.empty()) early_exits_[pid] = status;  // Its start may not be reported yet.
      continue;
    }
    Chan* c = it->second;
    children_.erase(it);
    c->exited = true;
    c->status = status;
    if (!c->session->dead) MaybeFinish(c);
    AfterPoll(c->session);
  }
}

bool Server::OnSignalFd() {
  signalfd_siginfo info;
  bool stop = false;
  while (read(signals_, &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGCHLD) Reap();
    if (info.ssi_signo == SIGUSR1) PrintStats("SIGUSR1");
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) stop = true;
  }
  Reap();
  return stop;
}

void Server::PrintStats(const char* why) {
  long rss = RssKb();
  double span = stats_.last_handshake - stats_.first_accept;
  fprintf(stderr,
          "orgalorg-fleet: %s: accepted %lu, handshakes %lu (failed %lu), auth ok %lu denied %lu, sessions live %lu "
          "peak %lu; execs %lu (failed %lu, %.2f s starting them), lock holders %lu (not locked %lu), heartbeat lines echoed %lu "
          "(longest gap %.1f s); "
          "handshake cpu %.2f s (%.0f handshakes per cpu-second), first accept to last handshake %.2f s; "
          "rss %ld KiB (%.1f KiB per peak session); cpu %.2f s; longest loop pass %.3f s\n",
          why, stats_.accepted, stats_.handshakes, stats_.failed, stats_.auth_ok, stats_.auth_denied, stats_.live,
          stats_.peak_live, stats_.execs, stats_.exec_fail, stats_.spawn_wall, stats_.locks, stats_.lock_busy, stats_.pings, stats_.ping_gap,
          stats_.kex_cpu, stats_.kex_cpu > 0 ? stats_.handshakes / stats_.kex_cpu : 0.0, span > 0 ? span : 0.0, rss,
          stats_.peak_live ? double(rss) / stats_.peak_live : 0.0, Now(CLOCK_PROCESS_CPUTIME_ID), stats_.loop_pass);
}

// Raises the soft fd limit to the hard one (root: first the hard one to
// the kernel's nr_open); returns the soft limit now in force.
rlim_t RaiseFdLimit() {
  rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  rlim_t most = 0;
  if (std::ifstream("/proc/sys/fs/nr_open") >> most && most > limit.rlim_max) {
    rlimit raised{most, most};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;  // Root may raise the hard limit.
  }
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

// One epoll event; true when a signal asks the server to stop.
bool Server::Dispatch(const epoll_event& event) {
  auto* w = static_cast<struct Watch*>(event.data.ptr);
  switch (w->type) {
    case Watch::kListener: Accept(); break;
    case Watch::kSignals: return OnSignalFd();
    case Watch::kSpawned: OnSpawned(); break;
    case Watch::kSocket: OnSocket(w->session, event.events); break;
    case Watch::kStdin:
      if (!w->chan->session->dead) {
        // EPOLLERR: the command closed its stdin; writing would be EPIPE.
        (event.events & EPOLLERR) ? CloseStdin(w->chan) : OnStdinWritable(w->chan);
        AfterPoll(w->chan->session);
      }
      break;
    case Watch::kStdout:
    case Watch::kStderr:
      if (!w->chan->session->dead) {
        OnOutput(w->chan, w->type == Watch::kStderr);
        AfterPoll(w->chan->session);
      }
      break;
  }
  return false;
}

int Server::Run() {
  rlim_t fd_limit = RaiseFdLimit();
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1}) sigaddset(&mask, sig);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  signals_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  WatchFd(signals_, &signal_watch_, EPOLLIN);
  std::string no_group;
  std::string idle_group = MakeIdleGroup(&no_group);
  if (idle_group.empty()) fprintf(stderr, "orgalorg-fleet: hosts' commands under SCHED_IDLE only: %s\n", no_group.c_str());
  // After the mask: its threads block the signals too.
  spawner_ = std::make_unique<Spawner>(kSpawnThreads, idle_group);
  WatchFd(spawner_->wake_fd(), &spawn_watch_, EPOLLIN);
  bind_ = ssh_bind_new();
  if (!options_.ciphers.empty()) {
    ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_CIPHERS_C_S, options_.ciphers.c_str());
    ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_CIPHERS_S_C, options_.ciphers.c_str());
  }
  std::string error;
  if (!PrepareIsolation(options_.isolation, &error)) {
    fprintf(stderr, "orgalorg-fleet: %s\n", error.c_str());
    return 1;
  }
  if (!Listen()) return 1;
  if (!options_.ready_file.empty()) std::ofstream(options_.ready_file) << getpid() << '\n';
  printf("orgalorg-fleet: ready: %zu hosts %s..%s port %d, pid %d, fd limit %lu\n", options_.hosts,
         AddressText(HostAddress(options_.first_host)).c_str(),
         AddressText(HostAddress(options_.first_host + options_.hosts - 1)).c_str(), options_.port,
         getpid(), static_cast<unsigned long>(fd_limit));
  fflush(stdout);
  epoll_event events[kMaxEvents];
  for (bool stop = false; !stop;) {
    int n = epoll_wait(epoll_, events, kMaxEvents, -1);
    double pass = Now(CLOCK_MONOTONIC);
    for (int i = 0; i < n; ++i) stop = Dispatch(events[i]) || stop;
    stats_.loop_pass = std::max(stats_.loop_pass, Now(CLOCK_MONOTONIC) - pass);
    graveyard_.clear();
  }
  PrintStats("stopping");
  return 0;
}

}  // namespace

int Serve(const ServerOptions& options, Keys* keys) { return Server(options, keys).Run(); }

}  // namespace fleet
