#include "auth/listen_address.h"

#include "core/ascii_text.h"
#include "net/address_policy.h"

namespace iris::auth {

bool IsLoopbackListenHost(std::string_view host) {
  std::string_view name = host;
  if (name.ends_with('.')) name.remove_suffix(1);
  if (EqualsIgnoreAsciiCase(name, "localhost")) return true;
  auto address = ClassifyAddressText(host);
  return address && *address == AddressClass::kLoopback;
}

}  // namespace iris::auth
