#include "hosts/address.h"

#include <gtest/gtest.h>

namespace hosts {
namespace {

Address MustParse(std::string_view text) {
  util::StatusOr<Address> a = ParseAddress(text, "me", 22);
  EXPECT_TRUE(a.ok()) << text << ": " << a.status().ToString();
  return a.ok() ? *a : Address{};
}

std::string ErrorOf(std::string_view text) {
  util::StatusOr<Address> a = ParseAddress(text, "me", 22);
  EXPECT_FALSE(a.ok()) << text;
  return a.status().message();
}

TEST(ParseAddressTest, HostOnlyUsesDefaults) {
  Address a = MustParse("web1.example.com");
  EXPECT_EQ(a.user, "me");
  EXPECT_EQ(a.host, "web1.example.com");
  EXPECT_EQ(a.port, 22);
  EXPECT_EQ(a.given, "web1.example.com");
  EXPECT_FALSE(a.user_given);
  EXPECT_FALSE(a.port_given);
}

TEST(ParseAddressTest, DefaultPortFromCaller) {
  util::StatusOr<Address> a = ParseAddress("h", "", 2200);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 2200);
  EXPECT_EQ(a->user, "");
}

TEST(ParseAddressTest, UserHostPort) {
  Address a = MustParse("root@10.0.0.1:2222");
  EXPECT_EQ(a.user, "root");
  EXPECT_EQ(a.host, "10.0.0.1");
  EXPECT_EQ(a.port, 2222);
  EXPECT_EQ(a.given, "root@10.0.0.1:2222");
  EXPECT_TRUE(a.user_given);
  EXPECT_TRUE(a.port_given);
}

TEST(ParseAddressTest, UserSplitsAtLastAt) {
  Address a = MustParse("john@corp.example@host");
  EXPECT_EQ(a.user, "john@corp.example");
  EXPECT_EQ(a.host, "host");
}

TEST(ParseAddressTest, PortBounds) {
  EXPECT_EQ(MustParse("h:1").port, 1);
  EXPECT_EQ(MustParse("h:65535").port, 65535);
  EXPECT_EQ(MustParse("h:022").port, 22);
}

TEST(ParseAddressTest, BracketedIpv6) {
  Address a = MustParse("[::1]");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 22);
  EXPECT_FALSE(a.port_given);

  Address b = MustParse("user@[fe80::1]:2222");
  EXPECT_EQ(b.user, "user");
  EXPECT_EQ(b.host, "fe80::1");
  EXPECT_EQ(b.port, 2222);
  EXPECT_EQ(b.given, "user@[fe80::1]:2222");

  EXPECT_EQ(MustParse("[fe80::1%eth0]:22").host, "fe80::1%eth0");
  EXPECT_EQ(MustParse("[web1]:23").host, "web1");
}

TEST(ParseAddressTest, BareIpv6TakesDefaultPort) {
  Address a = MustParse("::1");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 22);
  Address b = MustParse("admin@2001:db8::7");
  EXPECT_EQ(b.user, "admin");
  EXPECT_EQ(b.host, "2001:db8::7");
  EXPECT_FALSE(b.port_given);
}

TEST(ParseAddressTest, Utf8HostPassesThrough) {
  EXPECT_EQ(MustParse("hôst").host, "hôst");
}

TEST(ParseAddressTest, Identity) {
  EXPECT_EQ(Identity(MustParse("a@b:3")), "[a@b:3]");
  EXPECT_EQ(Identity(MustParse("b")), "[me@b:22]");
  EXPECT_EQ(Identity(MustParse("root@[::1]:2222")), "[root@::1:2222]");
}

TEST(ParseAddressTest, SameTarget) {
  EXPECT_TRUE(MustParse("me@h:22").SameTarget(MustParse("h")));
  EXPECT_FALSE(MustParse("h:23").SameTarget(MustParse("h")));
}

TEST(ParseAddressErrorTest, Empty) {
  EXPECT_EQ(ErrorOf(""), "empty host address");
}

TEST(ParseAddressErrorTest, EmptyHost) {
  EXPECT_EQ(ErrorOf("user@"), "empty host in address \"user@\"");
  EXPECT_EQ(ErrorOf(":22"), "empty host in address \":22\"");
  EXPECT_EQ(ErrorOf("[]:22"), "empty host in address \"[]:22\"");
}

TEST(ParseAddressErrorTest, EmptyUser) {
  EXPECT_EQ(ErrorOf("@host"), "empty user in address \"@host\"");
}

TEST(ParseAddressErrorTest, InvalidPort) {
  EXPECT_EQ(ErrorOf("h:abc"), "invalid port \"abc\" in address \"h:abc\"");
  EXPECT_EQ(ErrorOf("h:-1"), "invalid port \"-1\" in address \"h:-1\"");
  EXPECT_EQ(ErrorOf("h:+1"), "invalid port \"+1\" in address \"h:+1\"");
  EXPECT_EQ(ErrorOf("h:0"),
            "invalid port \"0\" (must be 1-65535) in address \"h:0\"");
  EXPECT_EQ(ErrorOf("h:65536"),
            "invalid port \"65536\" (must be 1-65535) in address \"h:65536\"");
  EXPECT_EQ(ErrorOf("h:99999999999999999999"),
            "invalid port \"99999999999999999999\" in address "
            "\"h:99999999999999999999\"");
  EXPECT_EQ(ErrorOf("h:"), "empty port in address \"h:\"");
  EXPECT_EQ(ErrorOf("[::1]:"), "empty port in address \"[::1]:\"");
  EXPECT_EQ(ErrorOf("[::1]:x"), "invalid port \"x\" in address \"[::1]:x\"");
}

TEST(ParseAddressErrorTest, Brackets) {
  EXPECT_EQ(ErrorOf("[::1"), "unbalanced '[' in address \"[::1\"");
  EXPECT_EQ(ErrorOf("::1]"), "unbalanced ']' in address \"::1]\"");
  EXPECT_EQ(ErrorOf("h[1]"), "unbalanced ']' in address \"h[1]\"");
  EXPECT_EQ(ErrorOf("[[::1]"), "unbalanced '[' in address \"[[::1]\"");
  EXPECT_EQ(ErrorOf("[::1]]"),
            "unexpected \"]\" after ']' in address \"[::1]]\"");
  EXPECT_EQ(ErrorOf("[::1]x"),
            "unexpected \"x\" after ']' in address \"[::1]x\"");
  EXPECT_EQ(ErrorOf("[a@b]"), "unbalanced '[' or ']' in address \"[a@b]\"");
}

TEST(ParseAddressErrorTest, Whitespace) {
  const std::string kMsg = "whitespace or control character in address ";
  EXPECT_EQ(ErrorOf("a b"), kMsg + "\"a b\"");
  EXPECT_EQ(ErrorOf(" h"), kMsg + "\" h\"");
  EXPECT_EQ(ErrorOf("h\t:22"), kMsg + "\"h\\t:22\"");
  EXPECT_EQ(ErrorOf("h\n"), kMsg + "\"h\\n\"");
  EXPECT_EQ(ErrorOf(std::string("h\x01", 2)), kMsg + "\"h\\x01\"");
}

TEST(QuoteForMessageTest, Escapes) {
  EXPECT_EQ(QuoteForMessage("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteForMessage(std::string("\x7f\r", 2)), "\"\\x7f\\x0d\"");
  EXPECT_EQ(QuoteForMessage(""), "\"\"");
}

}  // namespace
}  // namespace hosts
