#include "net/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace iris {
namespace {

struct Ipv4Range {
  std::uint32_t base;  // host byte order
  int prefix_len;
  AddressClass cls;
};

constexpr std::uint32_t V4(int a, int b, int c, int d) {
  return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) |
         (static_cast<std::uint32_t>(c) << 8) | static_cast<std::uint32_t>(d);
}

// IANA IPv4 Special-Purpose Address Registry, plus multicast and the future-use block. Checked
// in order, so the single addresses come before the blocks that contain them.
constexpr std::array<Ipv4Range, 17> kIpv4Ranges = {{
    {V4(0, 0, 0, 0), 32, AddressClass::kUnspecified},
    {V4(255, 255, 255, 255), 32, AddressClass::kBroadcast},
    {V4(0, 0, 0, 0), 8, AddressClass::kThisNetwork},
    {V4(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {V4(100, 64, 0, 0), 10, AddressClass::kSharedCgnat},
    {V4(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {V4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {V4(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {V4(192, 0, 0, 0), 24, AddressClass::kReserved},    // IETF protocol assignments
    {V4(192, 0, 2, 0), 24, AddressClass::kReserved},    // TEST-NET-1
    {V4(192, 88, 99, 0), 24, AddressClass::kReserved},  // deprecated 6to4 relay anycast
    {V4(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {V4(198, 18, 0, 0), 15, AddressClass::kReserved},    // benchmarking
    {V4(198, 51, 100, 0), 24, AddressClass::kReserved},  // TEST-NET-2
    {V4(203, 0, 113, 0), 24, AddressClass::kReserved},   // TEST-NET-3
    {V4(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {V4(240, 0, 0, 0), 4, AddressClass::kReserved},  // future use
}};

AddressClass ClassifyIpv4(std::uint32_t addr) {
  for (const Ipv4Range& r : kIpv4Ranges) {
    std::uint32_t mask = r.prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - r.prefix_len);
    if ((addr & mask) == r.base) return r.cls;
  }
  return AddressClass::kPublic;
}

std::uint32_t ReadBe32(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}

// True when the first prefix_len bits of a equal those of prefix (given as 16 bytes).
bool InPrefix(const std::uint8_t* a, std::array<std::uint8_t, 16> prefix, int prefix_len) {
  int full = prefix_len / 8;
  if (std::memcmp(a, prefix.data(), full) != 0) return false;
  int rest = prefix_len % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (prefix[full] & mask);
}

AddressClass ClassifyIpv6(const std::uint8_t* a) {
  static constexpr std::array<std::uint8_t, 16> kZero{};
  if (std::memcmp(a, kZero.data(), 16) == 0) return AddressClass::kUnspecified;
  if (std::memcmp(a, kZero.data(), 15) == 0 && a[15] == 1) return AddressClass::kLoopback;
  // Forms that carry an IPv4 address: judged by the address they reach.
  if (InPrefix(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96)) return ClassifyIpv4(ReadBe32(a + 12));
  if (InPrefix(a, {0x00, 0x64, 0xff, 0x9b}, 96)) return ClassifyIpv4(ReadBe32(a + 12));      // NAT64 well-known
  if (InPrefix(a, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48)) return AddressClass::kPrivate;  // local-use NAT64
  if (InPrefix(a, {0x20, 0x02}, 16)) {  // 6to4: 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD
    return ClassifyIpv4(ReadBe32(a + 2));
  }
  if (InPrefix(a, {0xfc}, 7)) return AddressClass::kPrivate;
  if (InPrefix(a, {0xfe, 0x80}, 10)) return AddressClass::kLinkLocal;
  if (InPrefix(a, {0xfe, 0xc0}, 10)) return AddressClass::kPrivate;  // deprecated site-local
  if (a[0] == 0xff) return AddressClass::kMulticast;
  // Only global unicast 2000::/3 can be public; the rest (::/8 incl. IPv4-compatible, 100::/64
  // discard, unassigned blocks) is reserved.
  if (!InPrefix(a, {0x20}, 3)) return AddressClass::kReserved;
  if (InPrefix(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) return AddressClass::kReserved;  // documentation
  if (InPrefix(a, {0x20, 0x01, 0x00}, 23)) return AddressClass::kReserved;        // IETF, Teredo
  if (InPrefix(a, {0x3f, 0xff}, 20)) return AddressClass::kReserved;              // documentation
  if (InPrefix(a, {0x5f, 0x00}, 16)) return AddressClass::kReserved;              // SRv6 SIDs
  return AddressClass::kPublic;
}

}  // namespace

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kThisNetwork:
      return "this-network (0.0.0.0/8)";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kSharedCgnat:
      return "shared carrier-grade NAT (100.64.0.0/10)";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kReserved:
      return "reserved or documentation";
  }
  return "unknown";
}

AddressClass ClassifySockaddr(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr) return AddressClass::kReserved;
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in v4;
    std::memcpy(&v4, addr, sizeof(v4));
    return ClassifyIpv4(ntohl(v4.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 v6;
    std::memcpy(&v6, addr, sizeof(v6));
    return ClassifyIpv6(v6.sin6_addr.s6_addr);
  }
  return AddressClass::kReserved;
}

std::optional<AddressClass> ClassifyAddressText(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (auto zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
  std::string literal(text);  // inet_pton needs a NUL-terminated string
  in_addr v4;
  if (inet_pton(AF_INET, literal.c_str(), &v4) == 1) return ClassifyIpv4(ntohl(v4.s_addr));
  in6_addr v6;
  if (inet_pton(AF_INET6, literal.c_str(), &v6) == 1) return ClassifyIpv6(v6.s6_addr);
  return std::nullopt;
}

}  // namespace iris
