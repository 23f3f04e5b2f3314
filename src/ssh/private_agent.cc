#include "ssh/private_agent.h"

#include <libssh/libssh.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace ssh {
namespace {

// How long ssh-agent may take to make its socket, in steps of kPollStepMs.
constexpr int kAgentStartWaitMs = 5000;
constexpr int kPollStepMs = 10;

util::Status Errno(const std::string& what) {
  return util::Status::Error(what + ": " + std::strerror(errno));
}

// Runs argv with `input` on its stdin and SSH_AUTH_SOCK=socket; its exit.
util::StatusOr<int> RunWithInput(const std::vector<std::string>& args, const std::string& socket,
                                 const std::string& input) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Errno("can't make a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
  std::vector<std::string> env_text = {"SSH_AUTH_SOCK=" + socket, "PATH=/usr/bin:/bin"};
  std::vector<char*> argv, envp;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (std::string& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[0]);
  if (rc != 0) {
    close(pipe_fds[1]);
    errno = rc;
    return Errno("can't run " + args[0]);
  }
  bool written = write(pipe_fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size());
  close(pipe_fds[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!written) return util::Status::Error("can't write to " + args[0]);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

util::StatusOr<std::unique_ptr<PrivateAgent>> PrivateAgent::Start(KeyRing* ring,
                                                                  const std::vector<std::string>& key_files) {
  std::unique_ptr<PrivateAgent> agent(new PrivateAgent());
  util::Status spawned = agent->Spawn();
  if (!spawned.ok()) return spawned.Wrap("can't start a private ssh-agent for the relay");
  for (const std::string& path : key_files) {
    KeyRing::LoadResult loaded = ring->Load(path);
    if (loaded.key == nullptr) continue;
    char* text = nullptr;
    if (ssh_pki_export_privkey_base64(loaded.key, nullptr, nullptr, nullptr, &text) != SSH_OK) continue;
    util::Status added = agent->Add(text);
    std::memset(text, 0, std::strlen(text));
    ssh_string_free_char(text);
    if (!added.ok()) return added.Wrap("can't give the private ssh-agent the key " + path);
  }
  return agent;
}

util::Status PrivateAgent::Spawn() {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/orgalorg-agent.XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return Errno("can't make a directory");
  dir_ = dir;
  socket_ = dir_ + "/agent.sock";
  std::vector<std::string> args = {"ssh-agent", "-D", "-a", socket_};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&pid_, "ssh-agent", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    errno = rc;
    return Errno("can't run ssh-agent");
  }
  struct stat st;
  for (int waited = 0; waited < kAgentStartWaitMs; waited += kPollStepMs) {
    if (stat(socket_.c_str(), &st) == 0) return util::Status::Ok();
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return util::Status::Error("ssh-agent exited at once");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollStepMs));
  }
  return util::Status::Error("ssh-agent made no socket in time");
}

util::Status PrivateAgent::Add(const std::string& key_text) {
  util::StatusOr<int> status = RunWithInput({"ssh-add", "-q", "-"}, socket_, key_text);
  if (!status.ok()) return status.status();
  if (*status != 0) return util::Status::Error("ssh-add exited with status " + std::to_string(*status));
  ++keys_;
  return util::Status::Ok();
}

PrivateAgent::~PrivateAgent() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (!socket_.empty()) unlink(socket_.c_str());
  if (!dir_.empty()) rmdir(dir_.c_str());
}

}  // namespace ssh
