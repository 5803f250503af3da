// Fuzz target: the connection receiver's request-head scanning (api/request_head.h), the first code
// that reads a stranger's bytes: where the head ends and how the body is framed (Content-Length,
// Transfer-Encoding, Expect). The head end must lie inside the input.
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/request_head.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto end = iris::api::FindHeadEnd(bytes);
  if (end && *end > bytes.size()) std::abort();
  (void)iris::api::ReadBodyFraming(end ? bytes.substr(0, *end) : bytes);
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  return {"POST /v1/embeddings/image HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n",
          "\r\n\r\nGET / HTTP/1.1\nTransfer-Encoding: chunked\n\n",
          "PUT /x HTTP/1.1\r\ncontent-length: 5\r\nContent-Length: 6\r\n\r\n",
          "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"};
}
