// ssh/local_listener_for_test.h — for unit tests only: a listening TCP
// socket on 127.0.0.1 with a kernel-chosen port. It accepts nothing itself
// (the kernel completes connections into its backlog): a server that never
// speaks. Close() it to get a port where nothing listens (refused).
#ifndef ORGALORG_SSH_LOCAL_LISTENER_FOR_TEST_H_
#define ORGALORG_SSH_LOCAL_LISTENER_FOR_TEST_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ssh {

class LocalListener {
 public:
  LocalListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~LocalListener() { Close(); }
  LocalListener(const LocalListener&) = delete;
  LocalListener& operator=(const LocalListener&) = delete;

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace ssh

#endif  // ORGALORG_SSH_LOCAL_LISTENER_FOR_TEST_H_
