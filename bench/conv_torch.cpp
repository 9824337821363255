// SPDX-License-Identifier: MIT
// libtorch's side of the convolution rows (with BENCH_HAVE_TORCH; otherwise empty Runners),
// written as a libtorch user writes a fast step: torch::conv2d, max_pool2d, addmm, the fused loss,
// an in-place update under NoGradGuard, gradients set to none.
#include "conv_rows.hpp"

#ifdef BENCH_HAVE_TORCH
#include <cmath>
#include <memory>

#include <torch/torch.h>

namespace bench {

namespace {
torch::Tensor tensor_of(const std::vector<float>& v, std::vector<std::int64_t> shape,
                        bool requires_grad = true) {
  auto t = torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
  return t.set_requires_grad(requires_grad);
}
std::int64_t i64(std::size_t v) { return static_cast<std::int64_t>(v); }

std::vector<double> flat(const torch::Tensor& t) {
  auto d = t.detach().to(torch::kFloat64).contiguous();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}
}  // namespace

Runner torch_conv_layer(const ConvLayerWork& w) {
  struct State {
    torch::Tensor x, w, b, g;
    std::int64_t padding = 0;
  };
  auto st = std::make_shared<State>();
  const auto o = i64(w.out_size());
  st->x = tensor_of(w.x, {i64(w.batch), i64(w.in), i64(w.size), i64(w.size)}, w.input_grad);
  st->w = tensor_of(w.w, {i64(w.out), i64(w.in), i64(w.kernel), i64(w.kernel)});
  st->b = tensor_of(w.b, {i64(w.out)});
  st->g = tensor_of(w.g, {i64(w.batch), i64(w.out), o, o}, false);
  st->padding = i64(w.padding);
  auto run = [st] { torch::conv2d(st->x, st->w, st->b, 1, st->padding).backward(st->g); };
  auto reset = [st] {
    for (auto* t : {&st->x, &st->w, &st->b})
      if (t->grad().defined()) t->mutable_grad().reset();
  };
  Runner r;
  r.step = [run, reset] {
    run();
    reset();
    return std::nan("");
  };
  r.state = [st, run, reset] {
    run();
    std::vector<double> out = flat(st->w.grad());
    for (double v : flat(st->b.grad())) out.push_back(v);
    if (st->x.grad().defined())
      for (double v : flat(st->x.grad())) out.push_back(v);
    reset();
    return out;
  };
  return r;
}

Runner torch_cnn_step(const CnnWork& w) {
  struct State {
    std::vector<torch::Tensor> x, y, params;
    double lr = 0;
    std::size_t next = 0;
  };
  auto st = std::make_shared<State>();
  const auto n = i64(w.batch);
  for (std::size_t k = 0; k < w.batches; ++k) {
    st->x.push_back(torch::from_blob(const_cast<float*>(w.x.data() + k * w.batch * 784),
                                     {n, 1, 28, 28}, torch::kFloat32));
    st->y.push_back(
        torch::from_blob(const_cast<std::int64_t*>(w.y.data() + k * w.batch), {n}, torch::kInt64)
            .clone());
  }
  st->params = {tensor_of(w.c1w, {32, 1, 3, 3}),  tensor_of(w.c1b, {32}),
                tensor_of(w.c2w, {64, 32, 3, 3}), tensor_of(w.c2b, {64}),
                tensor_of(w.f1w, {3136, 128}),    tensor_of(w.f1b, {128}),
                tensor_of(w.f2w, {128, 10}),      tensor_of(w.f2b, {10})};
  st->lr = w.lr;
  Runner r;
  r.step = [st] {
    const std::size_t k = st->next++ % st->x.size();
    auto& p = st->params;
    auto h = torch::max_pool2d(torch::relu(torch::conv2d(st->x[k], p[0], p[1], 1, 1)), 2);
    h = torch::max_pool2d(torch::relu(torch::conv2d(h, p[2], p[3], 1, 1)), 2);
    h = torch::relu(torch::addmm(p[5], h.reshape({h.size(0), 3136}), p[4]));
    auto loss = torch::nn::functional::cross_entropy(torch::addmm(p[7], h, p[6]), st->y[k]);
    loss.backward();
    {
      torch::NoGradGuard no_grad;
      for (auto& q : p) {
        q.add_(q.grad(), -st->lr);
        q.mutable_grad().reset();
      }
    }
    return loss.item<double>();
  };
  r.state = [st] {
    std::vector<double> out;
    for (const auto& q : st->params)
      for (double v : flat(q)) out.push_back(v);
    return out;
  };
  return r;
}

}  // namespace bench

#else

namespace bench {
Runner torch_conv_layer(const ConvLayerWork&) { return {}; }
Runner torch_cnn_step(const CnnWork&) { return {}; }
}  // namespace bench

#endif
