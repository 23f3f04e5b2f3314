#include "ssh/tcp_connector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>

#include "ssh/local_listener_for_test.h"

namespace ssh {
namespace {

using std::chrono::milliseconds;

TEST(BannerBackoffTest, PauseDoublesFrom50MsUpTo1s) {
  // random 0: the lower bound (half the step); a large draw that is one
  // less than a multiple of half + 1: the upper bound (the step).
  const long steps[] = {50, 100, 200, 400, 800, 1000, 1000, 1000};
  for (int refusals = 1; refusals <= 8; ++refusals) {
    long step = steps[refusals - 1];
    SCOPED_TRACE(refusals);
    EXPECT_EQ(BannerBackoff::Pause(refusals, 0), milliseconds(step / 2));
    EXPECT_EQ(BannerBackoff::Pause(refusals, step / 2), milliseconds(step));
    EXPECT_EQ(BannerBackoff::Pause(refusals, (step / 2 + 1) * 7 + 3),
              milliseconds(step / 2 + 3));
  }
}

TEST(BannerBackoffTest, RetriesUntilThePauseWouldReachTheDeadline) {
  BannerBackoff backoff;
  TimePoint now = Clock::now();
  TimePoint deadline = now + milliseconds(100);
  EXPECT_EQ(backoff.TimeoutNote(), "");
  std::optional<Milliseconds> pause = backoff.Next(now, deadline, 0);
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(*pause, milliseconds(25));
  EXPECT_EQ(backoff.refusals(), 1);
  // Second refusal: 50..100 ms; the top of it reaches the deadline.
  EXPECT_FALSE(backoff.Next(now, deadline, 50).has_value());
  EXPECT_EQ(backoff.refusals(), 2);
  EXPECT_EQ(backoff.TimeoutNote(),
            " (the server closed 2 connections before its SSH banner: sshd MaxStartups?)");
  EXPECT_EQ(backoff.GiveUpText(420),
            "the server closed the connection before its SSH banner, 2 times in 420 ms "
            "(sshd MaxStartups?)");
}

using Result = std::optional<util::StatusOr<int>>;

Result ConnectAndWait(EventLoop* loop, TcpConnector* connector, const std::string& name, int port) {
  Result result;
  connector->Connect(name, port, [&](util::StatusOr<int> fd) { result = std::move(fd); });
  for (int i = 0; i < 250 && !result; ++i) loop->RunOnce(milliseconds(20));
  return result;
}

TEST(TcpConnectorTest, HandsOverAConnectedSocket) {
  EventLoop loop;
  Resolver resolver(&loop);
  TcpConnector connector(&loop, &resolver);
  LocalListener listener;
  Result result = ConnectAndWait(&loop, &connector, "127.0.0.1", listener.port());
  ASSERT_TRUE(result && result->ok()) << (result ? result->status().ToString() : "no answer");
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  ASSERT_EQ(getpeername(**result, reinterpret_cast<sockaddr*>(&peer), &length), 0);
  EXPECT_EQ(ntohs(peer.sin_port), listener.port());
  close(**result);
}

TEST(TcpConnectorTest, NamesTheLastErrorAndRetriesWithTheSameAddresses) {
  EventLoop loop;
  Resolver resolver(&loop);
  TcpConnector connector(&loop, &resolver);
  LocalListener listener;
  int port = listener.port();
  listener.Close();  // Nothing listens there now.
  Result result = ConnectAndWait(&loop, &connector, "127.0.0.1", port);
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->status().message(), "connection refused");
  // A retry reuses the addresses found the first time, whatever the name.
  result = ConnectAndWait(&loop, &connector, "no such name.invalid", port);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().message(), "connection refused");
}

TEST(TcpConnectorTest, ALookupErrorIsReported) {
  EventLoop loop;
  Resolver resolver(&loop);
  TcpConnector connector(&loop, &resolver);
  Result result = ConnectAndWait(&loop, &connector, "", 22);
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ok());
}

TEST(TcpConnectorTest, CancelStopsEverythingWithoutACallback) {
  EventLoop loop;
  Resolver resolver(&loop);
  bool called = false;
  {
    TcpConnector connector(&loop, &resolver);
    connector.Connect("127.0.0.1", 9, [&](util::StatusOr<int>) { called = true; });
    connector.Cancel();
    connector.Connect("127.0.0.1", 9, [&](util::StatusOr<int>) { called = true; });
  }  // The destructor cancels too.
  for (int i = 0; i < 10; ++i) loop.RunOnce(milliseconds(10));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace ssh
