// SPDX-License-Identifier: MIT
// libtorch's side of every row (compiled against Torch only with SLOPE_BENCH_TORCH and Torch
// found; otherwise every factory returns an empty Runner). Written the way a libtorch user writes
// a fast step: addmm, the fused loss, backward, an in-place update under NoGradGuard, and the
// gradients set to none (zero_grad(set_to_none)).
#include <cstdio>

#include "rows.hpp"

#ifdef BENCH_HAVE_TORCH
#include <memory>
#include <numeric>
#include <random>

#include <torch/torch.h>

namespace bench {

namespace {
torch::Tensor to_tensor(const std::vector<float>& v, std::vector<std::int64_t> shape,
                        bool requires_grad) {
  auto t = torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
  return t.set_requires_grad(requires_grad);
}
torch::Tensor to_tensor(const std::vector<double>& v, std::vector<std::int64_t> shape) {
  return torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).clone();
}
torch::Tensor labels_of(const Problem& p, std::size_t first, std::size_t n) {
  return torch::from_blob(const_cast<std::int64_t*>(p.y.data() + first),
                          {static_cast<std::int64_t>(n)}, torch::kInt64)
      .clone();
}
std::int64_t i64(std::size_t v) { return static_cast<std::int64_t>(v); }
}  // namespace

bool torch_available() { return true; }
std::string torch_version() { return TORCH_VERSION; }
void torch_set_threads(int n) { torch::set_num_threads(n); }

Runner torch_train(const TrainWork& w) {
  struct State {
    std::vector<torch::Tensor> x, y, params;
    LossKind loss = LossKind::softmax;
    bool mlp = false;
    double lr = 0;
    double loss_scale = 1;
    std::size_t next = 0;
  };
  auto st = std::make_shared<State>();
  const Problem& p = *w.data;
  for (std::size_t k = 0; k < w.batches; ++k) {
    // A view of the shared data, as narrow() over a loaded data set would give.
    st->x.push_back(torch::from_blob(const_cast<float*>(w.batch_x(k)), {i64(w.batch), i64(p.d)},
                                     torch::kFloat32));
    st->y.push_back(labels_of(p, k * w.batch, w.batch));
  }
  const std::size_t width = w.hidden ? w.hidden : p.c;
  st->params = {to_tensor(w.w1, {i64(p.d), i64(width)}, true), to_tensor(w.b1, {i64(width)}, true)};
  if (w.hidden) {
    st->params.push_back(to_tensor(w.w2, {i64(w.hidden), i64(p.c)}, true));
    st->params.push_back(to_tensor(w.b2, {i64(p.c)}, true));
  }
  st->loss = w.loss;
  st->mlp = w.hidden > 0;
  // NOTE: multi_margin_loss divides each example's hinge sum by C as well; scaling its learning
  // rate by C makes the update (and the reported loss, scaled back) the lecture's SVM, as slope's.
  st->loss_scale = w.loss == LossKind::svm ? double(p.c) : 1.0;
  st->lr = w.lr * st->loss_scale;
  Runner r;
  r.step = [st]() {
    const std::size_t k = st->next++ % st->x.size();
    auto& ps = st->params;
    torch::Tensor scores = torch::addmm(ps[1], st->x[k], ps[0]);
    if (st->mlp) scores = torch::addmm(ps[3], torch::relu(scores), ps[2]);
    torch::Tensor loss = st->loss == LossKind::softmax
                             ? torch::nn::functional::cross_entropy(scores, st->y[k])
                             : torch::multi_margin_loss(scores, st->y[k]);
    loss.backward();
    {
      torch::NoGradGuard no_grad;
      for (auto& q : ps) {
        q.add_(q.grad(), -st->lr);
        q.mutable_grad().reset();
      }
    }
    return loss.item<double>() * st->loss_scale;
  };
  r.state = [st]() {
    std::vector<double> out;
    for (const auto& q : st->params) {
      auto d = q.detach().to(torch::kFloat64).contiguous();
      out.insert(out.end(), d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
    }
    return out;
  };
  return r;
}

Runner torch_tiny() {
  struct State {
    torch::Tensor a, b, c;
  };
  auto st = std::make_shared<State>();
  st->a = torch::tensor({1.0f, -2.0f, 3.0f, 0.5f}).reshape({2, 2}).set_requires_grad(true);
  st->b = torch::tensor({0.5f, 1.0f, -1.0f, 2.0f}).reshape({2, 2}).set_requires_grad(true);
  st->c = torch::tensor({0.1f, 0.2f, 0.3f, -0.4f}).reshape({2, 2}).set_requires_grad(true);
  auto run = [st]() {
    torch::Tensor y = (st->a * st->b + st->c).relu().sum();
    y.backward();
    return y.item<double>();
  };
  Runner r;
  r.step = [st, run]() {
    const double v = run();
    st->a.mutable_grad().reset();
    st->b.mutable_grad().reset();
    st->c.mutable_grad().reset();
    return v;
  };
  r.state = [st, run]() {
    run();
    std::vector<double> out;
    for (auto* t : {&st->a, &st->b, &st->c}) {
      auto g = t->grad().to(torch::kFloat64).contiguous();
      out.insert(out.end(), g.data_ptr<double>(), g.data_ptr<double>() + g.numel());
      t->mutable_grad().reset();
    }
    return out;
  };
  return r;
}

Runner torch_numgrad(const NumgradWork& w) {
  struct State {
    torch::Tensor x, y, w, b;
    double h = 0;
    std::vector<double> grad;
  };
  auto st = std::make_shared<State>();
  const Problem& p = *w.data;
  std::vector<double> x(p.row(0), p.row(w.batch));
  st->x = to_tensor(x, {i64(w.batch), i64(p.d)});
  st->y = labels_of(p, 0, w.batch);
  st->w = to_tensor(w.w, {i64(p.d), i64(p.c)});
  st->b = to_tensor(w.b, {i64(p.c)});
  st->h = w.h;
  Runner r;
  r.step = [st]() {
    torch::NoGradGuard no_grad;
    auto loss = [&st]() {
      return torch::nn::functional::cross_entropy(torch::addmm(st->b, st->x, st->w), st->y)
          .item<double>();
    };
    st->grad.clear();
    for (torch::Tensor* t : {&st->w, &st->b})
      central_differences(t->data_ptr<double>(), static_cast<std::size_t>(t->numel()), st->h, loss,
                          st->grad);
    return loss();
  };
  r.state = [st]() { return st->grad; };
  return r;
}

int torch_memory_run(int epochs) {
  torch::Tensor x;
  std::vector<std::int64_t> labels =
      read_train_set(data_dir(), [&x](std::size_t rows, std::size_t d) {
        x = torch::empty({static_cast<std::int64_t>(rows), static_cast<std::int64_t>(d)},
                         torch::kFloat32);
        return x.data_ptr<float>();
      });
  torch::Tensor y = torch::from_blob(labels.data(), {60000}, torch::kInt64).clone();
  std::printf("loaded %.1f MB\n", current_rss_mb());
  const std::int64_t n = 60000, batch = 128;
  torch::Tensor w = to_tensor(init_weights(784, 10, 11, 0.01f), {784, 10}, true);
  torch::Tensor b = torch::zeros({10}, torch::kFloat32).set_requires_grad(true);
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(3);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    torch::Tensor perm = torch::from_blob(order.data(), {n}, torch::kInt64);
    double total = 0;
    for (std::int64_t s = 0; s + batch <= n; s += batch) {
      torch::Tensor idx = perm.narrow(0, s, batch);
      torch::Tensor loss = torch::nn::functional::cross_entropy(
          torch::addmm(b, x.index_select(0, idx), w), y.index_select(0, idx));
      loss.backward();
      {
        torch::NoGradGuard no_grad;
        for (auto* q : {&w, &b}) {
          q->add_(q->grad(), -0.2);
          q->mutable_grad().reset();
        }
      }
      total += loss.item<double>();
    }
    std::printf("epoch %d loss %.4f rss %.1f MB\n", epoch + 1, total / double(n / batch),
                current_rss_mb());
  }
  std::printf("peak %.1f MB\n", peak_rss_mb());
  return 0;
}

}  // namespace bench

#else  // no libtorch: the rows show slope and the floor only

namespace bench {
bool torch_available() { return false; }
std::string torch_version() { return "not built"; }
void torch_set_threads(int) {}
Runner torch_train(const TrainWork&) { return {}; }
Runner torch_tiny() { return {}; }
Runner torch_numgrad(const NumgradWork&) { return {}; }
int torch_memory_run(int) {
  std::printf("built without libtorch\n");
  return 2;
}
}  // namespace bench

#endif
