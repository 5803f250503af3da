// iris_fake_openai: the test fakes of an OpenAI-compatible provider (chat completions with images,
// support/fake_chat_server.h; images/edits, support/fake_image_edit_server.h) as a process of their own, for
// scripts that drive a real `iris serve` (scripts/seed_catalog_checks.sh). Prints
//   chat_url=http://127.0.0.1:PORT/v1
//   images_url=http://127.0.0.1:PORT/v1
// once both listen, then answers with their default behaviours until SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>
#include <exception>

#include "support/fake_chat_server.h"
#include "support/fake_image_edit_server.h"

int main() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the servers' threads start: only sigwait sees them
  try {
    iris::testing::FakeChatServer chat;
    iris::testing::FakeImageEditServer images;
    std::printf("chat_url=%s\nimages_url=%s\n", chat.base_url().c_str(), images.base_url().c_str());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop, &signal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iris_fake_openai: %s\n", e.what());
    return 1;
  }
  return 0;
}
