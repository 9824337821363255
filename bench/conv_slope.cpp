// SPDX-License-Identifier: MIT
// slope's side of the convolution rows, written as a user of <slope/slope.hpp> would write it.
#include <cmath>
#include <memory>

#include "conv_rows.hpp"
#include <slope/slope.hpp>

namespace bench {

namespace {
using slope::Array;
using slope::Shape;
using slope::Tensor;
using slope::Variable;

Variable param(const std::vector<float>& values, const Shape& shape, bool requires_grad = true) {
  Array<float> a(shape);
  std::copy(values.begin(), values.end(), a.data());
  return Variable(Tensor(std::move(a)), requires_grad);
}

std::vector<double> flat(const Tensor& t) { return t.to_vector(); }
}  // namespace

Runner slope_conv_layer(const ConvLayerWork& w) {
  struct State {
    Variable x, w, b;
    Tensor g;
  };
  auto st = std::make_shared<State>();
  const std::size_t o = w.out_size();
  st->x = param(w.x, {w.batch, w.in, w.size, w.size}, w.input_grad);
  st->w = param(w.w, {w.out, w.in, w.kernel, w.kernel});
  st->b = param(w.b, {w.out});
  st->g = param(w.g, {w.batch, w.out, o, o}, false).value();
  const std::size_t padding = w.padding;
  auto run = [st, padding] {
    Variable y = slope::conv2d(st->x, st->w, st->b, 1, padding);
    y.backward(st->g);
  };
  Runner r;
  r.step = [st, run] {
    run();
    for (Variable* v : {&st->x, &st->w, &st->b}) v->zero_grad();
    return std::nan("");
  };
  r.state = [st, run] {
    run();
    std::vector<double> out = flat(st->w.grad());
    for (double v : flat(st->b.grad())) out.push_back(v);
    if (st->x.has_grad())
      for (double v : flat(st->x.grad())) out.push_back(v);
    for (Variable* v : {&st->x, &st->w, &st->b}) v->zero_grad();
    return out;
  };
  return r;
}

Runner slope_cnn_step(const CnnWork& w, bool fused) {
  struct State {
    std::vector<Variable> x;
    std::vector<slope::Labels> y;
    std::vector<Variable> params;
    float lr = 0;
    std::size_t next = 0;
  };
  auto st = std::make_shared<State>();
  for (std::size_t k = 0; k < w.batches; ++k) {
    const auto first = w.x.begin() + static_cast<std::ptrdiff_t>(k * w.batch * 784);
    st->x.push_back(
        param(std::vector<float>(first, first + static_cast<std::ptrdiff_t>(w.batch * 784)),
              {w.batch, 1, 28, 28}, false));
    st->y.emplace_back(w.y.begin() + static_cast<std::ptrdiff_t>(k * w.batch),
                       w.y.begin() + static_cast<std::ptrdiff_t>((k + 1) * w.batch));
  }
  st->params = {param(w.c1w, {32, 1, 3, 3}),     param(w.c1b, {32}),
                param(w.c2w, {64, 32, 3, 3}),    param(w.c2b, {64}),
                param(w.f1w, {64 * 7 * 7, 128}), param(w.f1b, {128}),
                param(w.f2w, {128, 10}),         param(w.f2b, {10})};
  st->lr = w.lr;
  Runner r;
  r.step = [st, fused] {
    const std::size_t k = st->next++ % st->x.size();
    const auto& p = st->params;
    using namespace slope;
    // conv -> relu -> pool twice: one node (what nn::Sequential runs for the example), or three
    // ops each.
    Variable h = st->x[k];
    if (fused) {
      h = conv2d_relu_max_pool2d(h, {{p[0], p[1], 1, 1, 2}, {p[2], p[3], 1, 1, 2}});
    } else {
      h = max_pool2d(relu(conv2d(h, p[0], p[1], 1, 1)), 2);  // [N, 32, 14, 14]
      h = max_pool2d(relu(conv2d(h, p[2], p[3], 1, 1)), 2);  // [N, 64, 7, 7]
    }
    h = relu(linear(reshape(h, Shape{h.shape()[0], 64 * 7 * 7}), p[4], p[5]));
    Variable loss = softmax_cross_entropy(linear(h, p[6], p[7]), st->y[k]);
    loss.backward();
    const float lr = st->lr;  // a local: a store to v could alias st->lr, reloaded every time
    for (Variable& q : st->params) {
      float* v = q.value().data<float>();
      const float* g = q.grad().data<float>();
      const std::size_t n = q.size();
      for (std::size_t i = 0; i < n; ++i) v[i] -= lr * g[i];
      q.zero_grad();
    }
    return loss.item();
  };
  r.state = [st] {
    std::vector<double> out;
    for (const Variable& q : st->params)
      for (double v : flat(q.value())) out.push_back(v);
    return out;
  };
  return r;
}

}  // namespace bench
