// AddressPolicy: decides whether an IP address is a public Internet address that Iris may fetch
// from, or one of the special-purpose ranges an attacker would aim a server-side request at
// (loopback, private networks, link-local cloud metadata endpoints, ...). Used by UrlFetcher on
// the address a socket is about to connect to, so it sees what DNS actually answered.
//
// Refused (not public), IPv4: 0.0.0.0/8, 10/8, 100.64/10 (CGNAT), 127/8, 169.254/16,
// 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24,
// 203.0.113/24, 224/4, 240/4, 255.255.255.255.
// IPv6: everything outside 2000::/3 (::, ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 100::/64,
// ...) and, inside it, 2001::/23 (IETF assignments incl. Teredo), 2001:db8::/32, 3fff::/20 and
// 5f00::/16. Addresses that carry an IPv4 address are judged by that address: IPv4-mapped
// ::ffff:a.b.c.d, the NAT64 well-known prefix 64:ff9b::/96, and 6to4 2002:AABB:CCDD::/48.
// (64:ff9b:1::/48, local-use NAT64, is private.)
//
// Pure functions, no state: thread-safe.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string_view>

namespace iris {

enum class AddressClass {
  kPublic,
  kUnspecified,  // 0.0.0.0, ::
  kThisNetwork,  // 0.0.0.0/8 other than 0.0.0.0 (reaches the local host on Linux)
  kLoopback,     // 127/8, ::1
  kPrivate,      // RFC 1918, fc00::/7 unique-local, fec0::/10 site-local, 64:ff9b:1::/48
  kSharedCgnat,  // 100.64/10
  kLinkLocal,    // 169.254/16 (cloud metadata), fe80::/10
  kMulticast,    // 224/4, ff00::/8
  kBroadcast,    // 255.255.255.255
  kReserved,     // documentation, benchmarking, IETF-reserved and future-use ranges
};

// A short English noun phrase for messages, e.g. "loopback", "private (RFC 1918)".
std::string_view AddressClassName(AddressClass c);

inline bool IsPublic(AddressClass c) { return c == AddressClass::kPublic; }

// Classifies an AF_INET or AF_INET6 socket address. Any other family (or a length too short for
// the family) is kReserved, so callers refuse what they do not understand.
AddressClass ClassifySockaddr(const sockaddr* addr, socklen_t len);

// Classifies a numeric IP literal: dotted-quad IPv4 ("10.0.0.1") or IPv6 ("::1"), optionally in
// brackets ("[::1]") and with a zone ("fe80::1%eth0"). Returns nullopt when the text is not an IP
// literal (e.g. a host name); it never resolves names.
std::optional<AddressClass> ClassifyAddressText(std::string_view text);

}  // namespace iris
