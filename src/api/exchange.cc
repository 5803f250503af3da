#include "api/exchange.h"

namespace iris::api {
namespace {
thread_local Exchange* t_current = nullptr;
}  // namespace

Exchange* CurrentExchange() { return t_current; }

ScopedExchange::ScopedExchange(Exchange& exchange) : previous_(t_current) { t_current = &exchange; }
ScopedExchange::~ScopedExchange() { t_current = previous_; }

}  // namespace iris::api
