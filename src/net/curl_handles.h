// The small libcurl plumbing every HTTP client in Iris shares (the URL fetcher, the model
// downloader, the captioning provider): one-time global initialisation and RAII handles.
// Thread-safe.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>

namespace iris {

// curl_global_init is not guaranteed thread-safe on every libcurl build; this runs it exactly once
// per process and returns its result to every caller.
CURLcode InitCurlOnce();

struct CurlEasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlEasyHandle = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlHeaderList = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// ASCII lower case (header names, schemes, host names).
std::string AsciiLower(std::string_view s);

}  // namespace iris
