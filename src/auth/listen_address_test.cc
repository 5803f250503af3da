#include "auth/listen_address.h"

#include <gtest/gtest.h>

namespace iris::auth {
namespace {

TEST(ListenAddress, LoopbackAddressesAndLocalhost) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]", "localhost", "LocalHost",
                           "localhost.", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackListenHost(host)) << host;
  }
}

TEST(ListenAddress, EverythingElseIsNotLoopback) {
  for (const char* host : {"0.0.0.0", "::", "[::]", "10.0.0.5", "192.168.1.2", "8.8.8.8", "fe80::1", "example.com",
                           "localhost.example.com", "128.0.0.1", "", "0", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackListenHost(host)) << host;
  }
}

}  // namespace
}  // namespace iris::auth
