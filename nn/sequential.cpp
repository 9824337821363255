// SPDX-License-Identifier: MIT
#include "sequential.hpp"

#include <string>
#include <typeinfo>
#include <vector>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "activation.hpp"
#include "conv2d.hpp"
#include "pool.hpp"

namespace slope::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) add(m);
}

Sequential& Sequential::add(std::shared_ptr<Module> m) {
  register_module(std::to_string(children().size()), std::move(m));
  return *this;
}

namespace {
// The MaxPool2d over tiling windows that children i, i + 1, i + 2 form with a Conv2d and a ReLU
// (those exact types: a subclass may compute something else), or null.
using Children = std::vector<std::pair<std::string, std::shared_ptr<Module>>>;

const MaxPool2d* conv_relu_pool(const Children& c, std::size_t i) {
  if (i + 2 >= c.size()) return nullptr;
  // References first: typeid of an expression with side effects draws clang's warning.
  const Module &conv = *c[i].second, &relu = *c[i + 1].second, &pool = *c[i + 2].second;
  if (typeid(conv) != typeid(Conv2d) || typeid(relu) != typeid(ReLU) ||
      typeid(pool) != typeid(MaxPool2d))
    return nullptr;
  const auto& max_pool = static_cast<const MaxPool2d&>(pool);
  return max_pool.window().tiles() ? &max_pool : nullptr;
}
}  // namespace

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  const Children& c = children();
  for (std::size_t i = 0; i < c.size(); ++i) {
    // NOTE: consecutive Conv2d, ReLU, MaxPool2d blocks as one op, which computes the same values
    // and gradients as the layers, faster. A block whose channels do not follow on from the last
    // one's starts a run of its own, so that its layer's check names it.
    std::vector<ConvReluPool> run;
    const Conv2d* last = nullptr;
    std::size_t next = i;
    while (const MaxPool2d* pool = conv_relu_pool(c, next)) {
      const auto& conv = static_cast<const Conv2d&>(*c[next].second);
      if (!last)
        conv.check_input(y);
      else if (conv.in_channels() != last->out_channels())
        break;
      run.push_back(conv.relu_max_pool2d_block(pool->window().kernel));
      last = &conv;
      next += 3;
    }
    if (!run.empty()) {
      y = conv2d_relu_max_pool2d(y, run);
      i = next - 1;
      continue;
    }
    y = c[i].second->forward(y);
  }
  return y;
}

std::string Sequential::describe() const {
  std::vector<std::string> parts;
  for (const auto& [name, m] : children()) parts.push_back(m->describe());
  return fmt::format("Sequential({})", fmt::join(parts, ", "));
}

Module& Sequential::operator[](std::size_t i) const {
  if (i >= children().size())
    throw ValueError(
        fmt::format("Sequential: index {} is out of range (size {})", i, children().size()));
  return *children()[i].second;
}

}  // namespace slope::nn
