// SPDX-License-Identifier: MIT
#include "dropout.hpp"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../ops/elementwise.hpp"
#include "seed.hpp"

namespace slope::nn {

Dropout::Dropout(double p, std::optional<std::uint64_t> seed)
    : p_(p), rng_(seed ? *seed : next_seed()) {
  if (!(p >= 0 && p < 1)) throw ValueError(fmt::format("Dropout: p = {} is not in [0, 1)", p));
}

Variable Dropout::forward(const Variable& x) {
  if (!training() || p_ == 0) return x;
  // NOTE: the mask is a constant, so mul's own backward gives dy/dx = mask: nothing to write.
  Tensor mask = Tensor::zeros(x.shape(), x.dtype());
  const double keep = 1.0 / (1.0 - p_);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  mask.visit([&](auto& m) {
    using T = typename std::decay_t<decltype(m)>::value_type;
    T* d = m.data();
    for (std::size_t i = 0; i < m.size(); ++i) d[i] = u(rng_) < p_ ? T(0) : static_cast<T>(keep);
  });
  return mul(x, Variable(std::move(mask)));
}

std::string Dropout::describe() const { return fmt::format("Dropout(p={})", p_); }

std::string Dropout::rng_state() const {
  std::ostringstream out;
  out << rng_;
  return out.str();
}

void Dropout::set_rng_state(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 rng;
  in >> rng;
  if (!in.fail() && !in.eof()) in >> std::ws;  // trailing text is not a state either
  if (in.fail() || !in.eof())
    throw ValueError("Dropout: set_rng_state was given text that is not a state");
  rng_ = rng;
}

}  // namespace slope::nn
