#include "ssh/resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <optional>

namespace ssh {
namespace {

std::string Text(const Endpoint& endpoint) {
  char buffer[INET6_ADDRSTRLEN] = "";
  if (endpoint.family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&endpoint.address)->sin_addr, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&endpoint.address)->sin6_addr, buffer,
              sizeof buffer);
  }
  return buffer;
}

int Port(const Endpoint& endpoint) {
  return ntohs(endpoint.family == AF_INET ? reinterpret_cast<const sockaddr_in*>(&endpoint.address)->sin_port
                                          : reinterpret_cast<const sockaddr_in6*>(&endpoint.address)->sin6_port);
}

using Result = std::optional<util::StatusOr<std::vector<Endpoint>>>;

Result LookUp(EventLoop* loop, Resolver* resolver, const std::string& host, int port) {
  Result result;
  bool called_inside = true;
  resolver->Lookup(host, port, [&](util::StatusOr<std::vector<Endpoint>> r) { result = std::move(r); });
  called_inside = result.has_value();
  EXPECT_FALSE(called_inside) << "done ran inside Lookup";
  EXPECT_TRUE(loop->RunUntil([&] { return result.has_value(); }, Clock::now() + Milliseconds(10000)).ok());
  return result;
}

TEST(ResolverTest, NumericAddressesNeedNoLookup) {
  EventLoop loop;
  Resolver resolver(&loop);
  Result v4 = LookUp(&loop, &resolver, "10.0.0.7", 2222);
  ASSERT_TRUE(v4 && v4->ok());
  ASSERT_EQ((*v4)->size(), 1u);
  EXPECT_EQ(Text((**v4)[0]), "10.0.0.7");
  EXPECT_EQ(Port((**v4)[0]), 2222);
  Result v6 = LookUp(&loop, &resolver, "::1", 22);
  ASSERT_TRUE(v6 && v6->ok());
  EXPECT_EQ((**v6)[0].family, AF_INET6);
}

TEST(ResolverTest, NamesAreLookedUpOnAWorker) {
  EventLoop loop;
  Resolver resolver(&loop);
  Result local = LookUp(&loop, &resolver, "localhost", 22);  // /etc/hosts: no network.
  ASSERT_TRUE(local.has_value());
  ASSERT_TRUE(local->ok()) << local->status().ToString();
  EXPECT_FALSE((*local)->empty());
  Result bad = LookUp(&loop, &resolver, "no-such-host.invalid", 22);
  ASSERT_TRUE(bad.has_value());
  ASSERT_FALSE(bad->ok());
  EXPECT_EQ(bad->status().ToString().rfind("can't resolve no-such-host.invalid: ", 0), 0u);
}

TEST(ResolverTest, CancelledAndDestroyedLookupsNeverCallBack) {
  EventLoop loop;
  bool called = false;
  {
    Resolver resolver(&loop);
    Resolver::LookupId id = resolver.Lookup("localhost", 22, [&](auto) { called = true; });
    resolver.Cancel(id);
    Resolver::LookupId numeric = resolver.Lookup("10.0.0.1", 22, [&](auto) { called = true; });
    resolver.Cancel(numeric);
    EXPECT_TRUE(loop.RunUntil([] { return false; }, Clock::now() + Milliseconds(100)).ok());
    resolver.Lookup("localhost", 22, [&](auto) { called = true; });
  }
  EXPECT_TRUE(loop.RunUntil([] { return false; }, Clock::now() + Milliseconds(100)).ok());
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace ssh
