// SPDX-License-Identifier: MIT
// slope's side of every row, written as a user of <slope/slope.hpp> would write it.
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "rows.hpp"
#include <slope/slope.hpp>

namespace bench {

namespace {
using slope::Array;
using slope::Labels;
using slope::Shape;
using slope::Tensor;
using slope::Variable;

template <class T, class U>
Variable param(const std::vector<U>& values, const Shape& shape, bool requires_grad = true) {
  Array<T> a(shape);
  std::copy(values.begin(), values.end(), a.data());
  return Variable(Tensor(std::move(a)), requires_grad);
}

// rows [first, first + n) of the problem as a float32 constant [n, d].
Variable rows_of(const Problem& p, std::size_t first, std::size_t n) {
  Array<float> a(Shape{n, p.d});
  std::copy(p.row(first), p.row(first + n), a.data());
  return Variable(Tensor(std::move(a)));
}

// W -= lr dW, then the gradient is dropped (the next backward writes a fresh one).
template <class T>
void sgd_update(Variable& p, T lr) {
  if (!p.has_grad()) return;
  T* v = p.value().data<T>();
  const T* g = p.grad().data<T>();
  const std::size_t n = p.size();
  for (std::size_t i = 0; i < n; ++i) v[i] -= lr * g[i];
  p.zero_grad();
}

Variable loss_of(LossKind kind, const Variable& scores, const Labels& y) {
  return kind == LossKind::softmax ? slope::softmax_cross_entropy(scores, y)
                                   : slope::multiclass_svm(scores, y);
}

// Batch k's inputs and labels, as slope tensors.
struct Batches {
  std::vector<Variable> x;
  std::vector<Labels> y;
};

std::shared_ptr<const Batches> batches_of(const TrainWork& w) {
  auto b = std::make_shared<Batches>();
  const Problem& p = *w.data;
  for (std::size_t k = 0; k < w.batches; ++k) {
    b->x.push_back(rows_of(p, k * w.batch, w.batch));
    b->y.emplace_back(p.y.begin() + static_cast<std::ptrdiff_t>(k * w.batch),
                      p.y.begin() + static_cast<std::ptrdiff_t>((k + 1) * w.batch));
  }
  return b;
}

// The training step: scores of batch k, loss, backward, W -= lr dW for every parameter.
Runner train_runner(const TrainWork& w, std::shared_ptr<const Batches> batches,
                    std::function<Variable(const Variable&)> scores_of,
                    std::vector<Variable> params) {
  struct State {
    std::shared_ptr<const Batches> batches;
    std::function<Variable(const Variable&)> scores_of;
    std::vector<Variable> params;
    LossKind loss = LossKind::softmax;
    float lr = 0;
    std::size_t next = 0;
  };
  auto st = std::make_shared<State>();
  st->batches = std::move(batches);
  st->scores_of = std::move(scores_of);
  st->params = std::move(params);
  st->loss = w.loss;
  st->lr = w.lr;
  Runner r;
  r.step = [st]() {
    const Batches& b = *st->batches;
    const std::size_t k = st->next++ % b.x.size();
    Variable loss = loss_of(st->loss, st->scores_of(b.x[k]), b.y[k]);
    loss.backward();
    for (auto& q : st->params) sgd_update(q, st->lr);
    return loss.item();
  };
  for (const auto& x : st->batches->x) r.batches.push_back(x.value().data<float>());
  r.state = [st]() {
    std::vector<double> out;
    for (const auto& q : st->params) {
      auto v = q.value().to_vector();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  };
  return r;
}

// The functional form: linear(x, W1, b1) (, relu, linear(., W2, b2)).
Runner functional_runner(const TrainWork& w, std::shared_ptr<const Batches> batches) {
  const Problem& p = *w.data;
  const std::size_t width = w.hidden ? w.hidden : p.c;
  std::vector<Variable> ps = {param<float>(w.w1, {p.d, width}), param<float>(w.b1, {width})};
  if (w.hidden)
    ps.insert(ps.end(), {param<float>(w.w2, {w.hidden, p.c}), param<float>(w.b2, {p.c})});
  auto scores_of = [ps, mlp = w.hidden > 0](const Variable& x) {
    Variable scores = slope::linear(x, ps[0], ps[1]);                    // [B, D] -> [B, C or H]
    if (mlp) scores = slope::linear(slope::relu(scores), ps[2], ps[3]);  // [B, H] -> [B, C]
    return scores;
  };
  return train_runner(w, std::move(batches), scores_of, ps);
}

// Copies `values` into a layer's parameter (before any graph uses it).
void set_values(Variable p, const std::vector<float>& values) {
  std::copy(values.begin(), values.end(), p.value().data<float>());
}
}  // namespace

Runner slope_train(const TrainWork& w) { return functional_runner(w, batches_of(w)); }

std::pair<Runner, Runner> slope_train_layers_and_functional(const TrainWork& w) {
  namespace nn = slope::nn;
  const Problem& p = *w.data;
  auto net = std::make_shared<nn::Sequential>();
  auto& fc1 = net->emplace<nn::Linear>(p.d, w.hidden);
  net->emplace<nn::ReLU>();
  auto& fc2 = net->emplace<nn::Linear>(w.hidden, p.c);
  set_values(fc1.weight(), w.w1);
  set_values(fc1.bias(), w.b1);
  set_values(fc2.weight(), w.w2);
  set_values(fc2.bias(), w.b2);
  auto batches = batches_of(w);
  Runner layers = train_runner(
      w, batches, [net](const Variable& x) { return (*net)(x); }, net->parameters());
  return {std::move(layers), functional_runner(w, batches)};
}

Runner slope_tiny() {
  struct State {
    Variable a, b, c;
  };
  auto st = std::make_shared<State>();
  st->a = param<float>(std::vector<float>{1.0f, -2.0f, 3.0f, 0.5f}, {2, 2});
  st->b = param<float>(std::vector<float>{0.5f, 1.0f, -1.0f, 2.0f}, {2, 2});
  st->c = param<float>(std::vector<float>{0.1f, 0.2f, 0.3f, -0.4f}, {2, 2});
  auto run = [st]() {
    Variable y = slope::sum(slope::relu(st->a * st->b + st->c));
    y.backward();
    return y.item();
  };
  Runner r;
  r.step = [st, run]() {
    const double v = run();
    st->a.zero_grad();
    st->b.zero_grad();
    st->c.zero_grad();
    return v;
  };
  r.state = [st, run]() {
    run();
    std::vector<double> out;
    for (auto* v : {&st->a, &st->b, &st->c}) {
      auto g = v->grad().to_vector();
      out.insert(out.end(), g.begin(), g.end());
      v->zero_grad();
    }
    return out;
  };
  return r;
}

Runner slope_numgrad(const NumgradWork& w) {
  struct State {
    Variable x, w, b;
    Labels y;
    double h = 0;
    std::vector<double> grad;
  };
  auto st = std::make_shared<State>();
  const Problem& p = *w.data;
  Array<double> x(Shape{w.batch, p.d});
  std::copy(p.row(0), p.row(w.batch), x.data());
  st->x = Variable(Tensor(std::move(x)));
  st->w = param<double>(w.w, {p.d, p.c}, false);
  st->b = param<double>(w.b, {p.c}, false);
  st->y.assign(p.y.begin(), p.y.begin() + static_cast<std::ptrdiff_t>(w.batch));
  st->h = w.h;
  Runner r;
  r.step = [st]() {
    slope::NoGradGuard no_grad;
    auto loss = [&st]() {
      return slope::softmax_cross_entropy(slope::linear(st->x, st->w, st->b), st->y).item();
    };
    st->grad.clear();
    for (Variable* v : {&st->w, &st->b})
      central_differences(v->value().data<double>(), v->size(), st->h, loss, st->grad);
    return loss();
  };
  r.state = [st]() { return st->grad; };
  return r;
}

Runner slope_numgrad_checker(const NumgradWork& w) {
  struct State {
    Variable x;
    Labels y;
    std::vector<Tensor> params;
    slope::GradcheckOptions options;
    bool ok = false;
    std::size_t checked = 0;
  };
  auto st = std::make_shared<State>();
  const Problem& p = *w.data;
  Array<double> x(Shape{w.batch, p.d});
  std::copy(p.row(0), p.row(w.batch), x.data());
  st->x = Variable(Tensor(std::move(x)));
  st->y.assign(p.y.begin(), p.y.begin() + static_cast<std::ptrdiff_t>(w.batch));
  st->params = {param<double>(w.w, {p.d, p.c}).value(), param<double>(w.b, {p.c}).value()};
  st->options.h = w.h;
  st->options.full_limit = p.d * p.c;  // every coordinate, as the loop does
  st->options.rtol = 1e-4;
  Runner r;
  r.step = [st]() {
    const auto result = slope::gradcheck(
        [st](const slope::Inputs& in) {
          return slope::softmax_cross_entropy(slope::linear(st->x, in[0], in[1]), st->y);
        },
        st->params, st->options, "softmax linear classifier");
    st->ok = result.ok;
    st->checked = 0;
    for (const auto& input : result.inputs) st->checked += input.checked;
    return static_cast<double>(st->checked);
  };
  // {ok, coordinates checked}
  r.state = [st]() { return std::vector<double>{st->ok ? 1.0 : 0.0, double(st->checked)}; };
  return r;
}

}  // namespace bench
