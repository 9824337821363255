// SPDX-License-Identifier: MIT
// Sequential: modules applied in order, named "0", "1", ... (so parameters read "0.weight").
#pragma once

#include <initializer_list>
#include <memory>
#include <utility>

#include "module.hpp"

namespace slope::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  /// Appends a module; returns *this.
  Sequential& add(std::shared_ptr<Module> m);
  /// Constructs an M in place and appends it: `net.emplace<Linear>(784, 256)`.
  template <class M, class... Args>
  M& emplace(Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    add(m);
    return *m;
  }
  Variable forward(const Variable& x) override;
  /// "Sequential(Linear(784, 256), ReLU, Linear(256, 10))".
  std::string describe() const override;
  std::size_t size() const { return children().size(); }
  Module& operator[](std::size_t i) const;
};

}  // namespace slope::nn
