// SPDX-License-Identifier: MIT
#include "evaluate.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../ops/loss.hpp"
#include "classification.hpp"

namespace slope::nn {

namespace {
// Rows [begin, end) of a 2-D x, copied (the model's input must be a tensor of its own).
Tensor rows(const Tensor& x, std::size_t begin, std::size_t end) {
  const std::size_t d = x.shape()[1];
  return x.visit([&](const auto& a) -> Tensor {
    std::decay_t<decltype(a)> out(Shape{end - begin, d});
    std::memcpy(out.data(), a.data() + begin * d, (end - begin) * d * sizeof(*out.data()));
    return out;
  });
}

// Restores a module's train/eval mode however evaluation ends.
class ModeGuard {
 public:
  explicit ModeGuard(Module& m) : m_(m), was_(m.training()) {}
  ~ModeGuard() { m_.train(was_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;
  ModeGuard(ModeGuard&&) = delete;
  ModeGuard& operator=(ModeGuard&&) = delete;

 private:
  Module& m_;
  bool was_;
};
}  // namespace

Evaluation evaluate(Module& model, const Dataset& data, std::size_t batch_size,
                    const BatchLoss& loss) {
  if (data.size() == 0) throw ValueError("evaluate: the data set is empty");
  if (batch_size == 0) throw ValueError("evaluate: batch_size is 0");
  check_dim("evaluate", "x", data.x.shape(), 2);
  ModeGuard guard(model);
  model.eval();
  NoGradGuard no_grad;
  Evaluation e;
  double loss_sum = 0, right = 0;
  for (std::size_t b = 0; b < data.size(); b += batch_size) {
    const std::size_t end = std::min(data.size(), b + batch_size);
    const Labels y(data.y.begin() + long(b), data.y.begin() + long(end));
    const Variable scores = model(Variable(rows(data.x, b, end)));
    const Variable l = loss ? loss(scores, y) : softmax_cross_entropy(scores, y);
    loss_sum += l.item() * double(end - b);
    right += accuracy(scores.value(), y) * double(end - b);
  }
  e.examples = data.size();
  e.loss = loss_sum / double(e.examples);
  e.accuracy = right / double(e.examples);
  return e;
}

}  // namespace slope::nn
