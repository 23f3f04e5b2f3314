#include "cluster/ssh_exec.h"

#include <utility>

namespace cluster {
namespace {

class SshExecChannel : public ExecChannel {
 public:
  explicit SshExecChannel(std::unique_ptr<ssh::Channel> channel) : channel_(std::move(channel)) {}

  size_t Write(std::string_view data) override { return channel_->Write(data); }
  void CloseStdin() override { channel_->CloseStdin(); }
  void Signal(const char* name) override { channel_->Signal(name); }
  void Close() override { channel_->Close(); }
  bool started() const override { return channel_->started(); }
  bool finished() const override { return channel_->finished(); }
  const util::Status& error() const override { return channel_->error(); }

 private:
  std::unique_ptr<ssh::Channel> channel_;
};

class SshExecHost : public ExecHost {
 public:
  explicit SshExecHost(ssh::Session* session) : session_(session) {}

  bool connected() const override { return session_->connected(); }
  util::StatusOr<std::unique_ptr<ExecChannel>> Exec(const std::string& command,
                                                    ExecCallbacks callbacks) override {
    return Wrap(session_->Exec(command, Forwarded(std::move(callbacks))));
  }
  void ReserveSendBuffer(int bytes) override { session_->ReserveSendBuffer(bytes); }
  util::StatusOr<std::unique_ptr<ExecChannel>> ExecForwardingAgent(const std::string& command,
                                                                   ExecCallbacks callbacks) override {
    return Wrap(session_->ExecForwardingAgent(command, Forwarded(std::move(callbacks))));
  }
  util::Status ForwardAgent(const std::string& socket) override { return session_->ForwardAgent(socket); }
  void StopAgentForwarding() override { session_->StopAgentForwarding(); }
  std::string HostKey() const override { return session_->host_key(); }

 private:
  static ssh::ChannelCallbacks Forwarded(ExecCallbacks callbacks) {
    ssh::ChannelCallbacks forwarded;
    forwarded.on_stdout = std::move(callbacks.on_stdout);
    forwarded.on_stderr = std::move(callbacks.on_stderr);
    forwarded.on_exit = std::move(callbacks.on_exit);
    forwarded.on_writable = std::move(callbacks.on_writable);
    return forwarded;
  }
  static util::StatusOr<std::unique_ptr<ExecChannel>> Wrap(
      util::StatusOr<std::unique_ptr<ssh::Channel>> channel) {
    if (!channel.ok()) return channel.status();
    return std::unique_ptr<ExecChannel>(std::make_unique<SshExecChannel>(std::move(*channel)));
  }

  ssh::Session* session_;
};

}  // namespace

std::unique_ptr<ExecHost> MakeSshExecHost(ssh::Session* session) {
  return std::make_unique<SshExecHost>(session);
}

}  // namespace cluster
