// SPDX-License-Identifier: MIT
#include "schedule.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {
constexpr double kPi = 3.14159265358979323846;

void require(bool ok, const char* who, const char* what, const char* name, double v) {
  if (!ok) throw ValueError(fmt::format("Schedule::{}: {} ({} {})", who, what, name, v));
}
}  // namespace

Schedule Schedule::step_decay(double gamma, double every) {
  require(gamma > 0 && std::isfinite(gamma), "step_decay", "gamma must be positive", "gamma",
          gamma);
  require(every > 0 && std::isfinite(every), "step_decay", "every must be positive", "every",
          every);
  return Schedule(Kind::step_decay, gamma, every);
}

Schedule Schedule::exponential(double gamma) {
  require(gamma > 0 && std::isfinite(gamma), "exponential", "gamma must be positive", "gamma",
          gamma);
  return Schedule(Kind::exponential, gamma, 0);
}

Schedule Schedule::inverse_time(double k) {
  require(k >= 0 && std::isfinite(k), "inverse_time", "k must be >= 0", "k", k);
  return Schedule(Kind::inverse_time, k, 0);
}

Schedule Schedule::cosine(double horizon, double min_factor) {
  require(horizon >= 0 && std::isfinite(horizon), "cosine", "horizon must be >= 0", "horizon",
          horizon);
  require(min_factor >= 0 && min_factor <= 1, "cosine", "min_factor must be in [0, 1]",
          "min_factor", min_factor);
  return Schedule(Kind::cosine, horizon, min_factor);
}

double Schedule::rate(double eta0, double e, double run_epochs) const {
  switch (kind_) {
    case Kind::constant:
      return eta0;
    case Kind::step_decay:
      return eta0 * std::pow(a_, std::floor(e / b_));
    case Kind::exponential:
      return eta0 * std::pow(a_, e);
    case Kind::inverse_time:
      return eta0 / (1 + a_ * e);
    case Kind::cosine: {
      const double horizon = a_ > 0 ? a_ : run_epochs;
      if (!(horizon > 0)) return eta0;
      const double x = std::min(e, horizon) / horizon;
      return eta0 * (b_ + (1 - b_) * 0.5 * (1 + std::cos(kPi * x)));
    }
  }
  return eta0;
}

std::string Schedule::describe() const {
  switch (kind_) {
    case Kind::constant:
      return "constant";
    case Kind::step_decay:
      return fmt::format("step_decay(gamma {}, every {})", a_, b_);
    case Kind::exponential:
      return fmt::format("exponential(gamma {})", a_);
    case Kind::inverse_time:
      return fmt::format("inverse_time(k {})", a_);
    case Kind::cosine:
      return a_ > 0 ? fmt::format("cosine(horizon {}, min_factor {})", a_, b_)
                    : fmt::format("cosine(horizon run, min_factor {})", b_);
  }
  return "constant";
}

}  // namespace slope
