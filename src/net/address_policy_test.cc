#include "net/address_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <string>
#include <vector>

namespace iris {
namespace {

using C = AddressClass;

struct Case {
  std::string text;
  AddressClass expected;
};

// Both sides of every boundary that matters, IPv4 then IPv6.
const std::vector<Case>& Table() {
  static const std::vector<Case> kCases = {
      // IPv4 public
      {"8.8.8.8", C::kPublic},
      {"1.1.1.1", C::kPublic},
      {"93.184.216.34", C::kPublic},
      {"9.255.255.255", C::kPublic},
      {"11.0.0.0", C::kPublic},
      {"100.63.255.255", C::kPublic},
      {"100.128.0.0", C::kPublic},
      {"126.255.255.255", C::kPublic},
      {"128.0.0.0", C::kPublic},
      {"169.253.255.255", C::kPublic},
      {"169.255.0.0", C::kPublic},
      {"172.15.255.255", C::kPublic},
      {"172.32.0.0", C::kPublic},
      {"192.0.1.1", C::kPublic},
      {"192.0.3.0", C::kPublic},
      {"192.167.255.255", C::kPublic},
      {"192.169.0.0", C::kPublic},
      {"198.17.255.255", C::kPublic},
      {"198.20.0.0", C::kPublic},
      {"203.0.112.255", C::kPublic},
      {"223.255.255.255", C::kPublic},
      // IPv4 refused
      {"0.0.0.0", C::kUnspecified},
      {"0.1.2.3", C::kThisNetwork},
      {"0.255.255.255", C::kThisNetwork},
      {"10.0.0.1", C::kPrivate},
      {"10.255.255.255", C::kPrivate},
      {"100.64.0.0", C::kSharedCgnat},
      {"100.127.255.255", C::kSharedCgnat},
      {"127.0.0.1", C::kLoopback},
      {"127.255.255.254", C::kLoopback},
      {"169.254.169.254", C::kLinkLocal},
      {"169.254.0.1", C::kLinkLocal},
      {"172.16.0.0", C::kPrivate},
      {"172.31.255.255", C::kPrivate},
      {"192.0.0.8", C::kReserved},
      {"192.0.2.1", C::kReserved},
      {"192.88.99.1", C::kReserved},
      {"192.168.0.1", C::kPrivate},
      {"192.168.255.255", C::kPrivate},
      {"198.18.0.1", C::kReserved},
      {"198.19.255.255", C::kReserved},
      {"198.51.100.7", C::kReserved},
      {"203.0.113.9", C::kReserved},
      {"224.0.0.1", C::kMulticast},
      {"239.255.255.255", C::kMulticast},
      {"240.0.0.1", C::kReserved},
      {"255.255.255.254", C::kReserved},
      {"255.255.255.255", C::kBroadcast},
      // IPv6 public
      {"2606:4700:4700::1111", C::kPublic},
      {"2001:4860:4860::8888", C::kPublic},
      {"2a00:1450:4001::1", C::kPublic},
      {"2001:200::1", C::kPublic},  // just past 2001::/23
      {"2001:db9::1", C::kPublic},
      {"3ffe::1", C::kPublic},
      {"3fff:1000::1", C::kPublic},  // just past 3fff::/20
      {"::ffff:8.8.8.8", C::kPublic},
      {"64:ff9b::808:808", C::kPublic},  // NAT64 of 8.8.8.8
      {"2002:808:808::1", C::kPublic},   // 6to4 of 8.8.8.8
      // IPv6 refused
      {"::", C::kUnspecified},
      {"::1", C::kLoopback},
      {"::2", C::kReserved},
      {"::127.0.0.1", C::kReserved},  // deprecated IPv4-compatible
      {"::ffff:127.0.0.1", C::kLoopback},
      {"::ffff:10.1.2.3", C::kPrivate},
      {"::ffff:169.254.169.254", C::kLinkLocal},
      {"::ffff:0.0.0.0", C::kUnspecified},
      {"::ffff:7f00:1", C::kLoopback},
      {"64:ff9b::7f00:1", C::kLoopback},      // NAT64 of 127.0.0.1
      {"64:ff9b::a9fe:a9fe", C::kLinkLocal},  // NAT64 of 169.254.169.254
      {"64:ff9b:1::808:808", C::kPrivate},    // local-use NAT64
      {"2002:7f00:1::1", C::kLoopback},       // 6to4 of 127.0.0.1
      {"2002:c0a8:101::1", C::kPrivate},      // 6to4 of 192.168.1.1
      {"2002:a9fe:a9fe::", C::kLinkLocal},    // 6to4 of 169.254.169.254
      {"fc00::1", C::kPrivate},
      {"fd12:3456:789a::1", C::kPrivate},
      {"fbff:ffff::1", C::kReserved},  // just below fc00::/7, outside 2000::/3
      {"fe80::1", C::kLinkLocal},
      {"febf:ffff::1", C::kLinkLocal},
      {"fec0::1", C::kPrivate},
      {"ff02::1", C::kMulticast},
      {"ff0e::1", C::kMulticast},
      {"100::1", C::kReserved},
      {"2001::1", C::kReserved},  // Teredo
      {"2001:1ff::1", C::kReserved},
      {"2001:db8::1", C::kReserved},
      {"2001:db8:ffff::1", C::kReserved},
      {"3fff::1", C::kReserved},
      {"5f00::1", C::kReserved},
      {"1fff:ffff::1", C::kReserved},
      {"4000::1", C::kReserved},
  };
  return kCases;
}

TEST(AddressPolicyTest, ClassifiesTextTable) {
  for (const Case& c : Table()) {
    std::optional<AddressClass> got = ClassifyAddressText(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.expected) << c.text << " classified as " << AddressClassName(*got) << ", expected "
                                << AddressClassName(c.expected);
  }
}

TEST(AddressPolicyTest, ClassifiesSockaddrLikeText) {
  for (const Case& c : Table()) {
    sockaddr_storage storage{};
    socklen_t len = 0;
    if (c.text.find(':') == std::string::npos) {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
      v4->sin_family = AF_INET;
      v4->sin_port = htons(80);
      ASSERT_EQ(inet_pton(AF_INET, c.text.c_str(), &v4->sin_addr), 1) << c.text;
      len = sizeof(sockaddr_in);
    } else {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(443);
      ASSERT_EQ(inet_pton(AF_INET6, c.text.c_str(), &v6->sin6_addr), 1) << c.text;
      len = sizeof(sockaddr_in6);
    }
    EXPECT_EQ(ClassifySockaddr(reinterpret_cast<sockaddr*>(&storage), len), c.expected) << c.text;
  }
}

TEST(AddressPolicyTest, OnlyPublicIsPublic) {
  EXPECT_TRUE(IsPublic(C::kPublic));
  for (C c : {C::kUnspecified, C::kThisNetwork, C::kLoopback, C::kPrivate, C::kSharedCgnat, C::kLinkLocal,
              C::kMulticast, C::kBroadcast, C::kReserved}) {
    EXPECT_FALSE(IsPublic(c)) << AddressClassName(c);
    EXPECT_NE(AddressClassName(c), "public");
  }
}

TEST(AddressPolicyTest, AcceptsBracketsAndZones) {
  EXPECT_EQ(ClassifyAddressText("[::1]"), C::kLoopback);
  EXPECT_EQ(ClassifyAddressText("fe80::1%eth0"), C::kLinkLocal);
  EXPECT_EQ(ClassifyAddressText("[fe80::1%25eth0]"), C::kLinkLocal);
}

TEST(AddressPolicyTest, NonLiteralsAreNotClassified) {
  for (const char* text : {"", "localhost", "example.com", "127.0.0.1.nip.io", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                           "[::1", "::1::2", "12345::1"}) {
    EXPECT_FALSE(ClassifyAddressText(text).has_value()) << text;
  }
}

TEST(AddressPolicyTest, UnknownFamiliesAndShortLengthsAreRefused) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_EQ(ClassifySockaddr(reinterpret_cast<sockaddr*>(&un), sizeof(un)), C::kReserved);
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr);
  EXPECT_EQ(ClassifySockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof(v4)), C::kPublic);
  EXPECT_EQ(ClassifySockaddr(reinterpret_cast<sockaddr*>(&v4), 4), C::kReserved);
  EXPECT_EQ(ClassifySockaddr(nullptr, 0), C::kReserved);
}

}  // namespace
}  // namespace iris
