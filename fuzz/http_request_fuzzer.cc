// Fuzz target: cpp-httplib's request parsing as Iris's workers run it (api/http_server.cc calls
// httplib::Server::process_request on its own stream): the request line, headers, Content-Length and
// chunked bodies, and above all multipart/form-data bodies (boundaries, part headers, file names),
// which every upload route reads through req.files. The input is the bytes a client sends on one
// connection; pipelined requests in it are all parsed, as Iris does.
//
// Built by scripts/fuzz.sh against the full cpp-httplib source of the Debian version installed here
// (downloaded from Debian's archive, sha256-pinned, Debian's patches applied), so libFuzzer sees
// coverage inside the parser; the replay build links Debian's libcpp-httplib as the server does.
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_target.h"

namespace {

// One connection's bytes in, the server's answers discarded.
class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view input) : input_(input) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t size) override {
    const std::size_t n = std::min(size, input_.size() - position_);
    std::copy_n(input_.data() + position_, n, ptr);
    position_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, std::size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  bool AtEnd() const { return position_ >= input_.size(); }

 private:
  std::string_view input_;
  std::size_t position_ = 0;
};

// Touches every parsed part the way the upload routes do, so a part whose fields point outside
// their strings is read (and caught by ASan).
std::size_t ReadParts(const httplib::Request& req) {
  std::size_t total = req.body.size();
  for (const auto& [name, file] : req.files) {
    total += name.size() + file.name.size() + file.filename.size() + file.content_type.size();
    for (char c : file.content) total += static_cast<unsigned char>(c) & 1u;
  }
  if (req.has_file("image")) total += req.get_file_value("image").content.size();
  for (const auto& [name, value] : req.params) total += name.size() + value.size();
  return total;
}

class FuzzServer final : public httplib::Server {
 public:
  FuzzServer() {
    set_payload_max_length(1 << 20);  // Iris sets server.max_body_bytes; small here to keep runs fast
    auto handler = [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(ReadParts(req)), "text/plain");
    };
    Post(R"(/.*)", handler);
    Put(R"(/.*)", handler);
    Get(R"(/.*)", handler);
  }

  void RunConnection(std::string_view bytes) {
    MemoryStream stream(bytes);
    for (int served = 0; served < 64 && !stream.AtEnd(); ++served) {
      bool connection_closed = false;
      if (!process_request(stream, false, connection_closed, nullptr) || connection_closed) break;
    }
  }
};

std::string Multipart(const std::string& boundary, const std::string& parts) {
  return "POST /v1/embeddings/image HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=" +
         boundary + "\r\nContent-Length: " + std::to_string(parts.size()) + "\r\n\r\n" + parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzServer* server = new FuzzServer();  // built once: its routes are regexes
  server->RunConnection(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 29);
  const std::string upload =
      "--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
      "Content-Type: image/png\r\n\r\n" +
      png + "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n5\r\n--XyZ--\r\n";
  std::string hex_chunked;
  {
    char size_hex[32];
    std::snprintf(size_hex, sizeof size_hex, "%zx", upload.size());
    hex_chunked = std::string(size_hex) + "\r\n" + upload + "\r\n0\r\n\r\n";
  }
  return {
      Multipart("XyZ", upload),
      Multipart("\"quoted boundary\"",
                "--quoted boundary\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename*=UTF-8''%E2%82%AC.jpg\r\n\r\nxx\r\n--quoted boundary--\r\n"),
      Multipart("b",
                "--b\r\nContent-Disposition: form-data; name=\"website\"\r\n\r\nalya\r\n--b\r\n"
                "Content-Disposition: form-data; name=\"check_duplicate\"\r\n\r\nyes\r\n--b--"),
      "POST /generate_caption HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
          hex_chunked,
      "POST /x HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 17\r\n\r\n"
      "a=1&b=%20&c&=d&e=",
      "GET /v1/collections?limit=5&after=%FF HTTP/1.1\r\nRange: bytes=0-1,5-\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=Q\r\nContent-Length: 40\r\n\r\n--Q\r\n"
      "Content-Disposition: form-data\r\n\r\n--Q--",
  };
}
