// SPDX-License-Identifier: MIT
// GradientMethod<Rule>: everything gradient optimizers share (evaluate loss and gradient, the
// step-size schedule, gradient clipping by global norm, decoupled weight decay, per-parameter
// state) around an update rule that says only how one parameter moves. Sgd, AdaGrad, RMSProp and
// Adam are rules; a rule of your own is about 15 lines (docs/optimizers.md).
//
// A Rule provides:
//   using Options = ...;                       // derived from GradientOptions
//   static constexpr const char* kName = "..."; // the optimizer's name in errors and output
//   Options options;                           // the only data member (aggregate-initialised)
//   struct State { explicit State(const Tensor& param); ... };  // per parameter, per run
//   template <class T> void update(T* w, const T* g, std::size_t n, double lr, std::size_t t,
//                                  State& s) const;   // t = 1, 2, ... counts the steps (resumed
//                                                     // runs continue it: load_state)
//   void check(const char* who) const;         // optional: throws ValueError "<who>: ..."
//   template <class S, class F> void fields(S& s, F&& f) const;  // f("m", s.m) for each tensor of
//                                              // a State (flat, the parameter's size and type):
//                                              // what state() exports; a rule without it
//                                              // cannot export or load state (unless its
//                                              // State is an empty struct)
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "finite.hpp"
#include "optimizer.hpp"
#include "optimizer_state.hpp"
#include "schedule.hpp"

namespace slope {

/// Options every gradient method has.
struct GradientOptions {
  /// eta0, the base step size (learning rate); must be > 0 and finite.
  double step_size = 0.01;
  /// eta(e) from eta0 and the progress e in epochs (schedule.hpp); constant by default.
  Schedule schedule;
  /// lambda >= 0, decoupled weight decay: before each update w <- w - eta(e) * lambda * w
  /// (AdamW's form; for plain SGD the same as adding (lambda / 2) ||w||^2 to the loss).
  double weight_decay = 0;
  /// c >= 0: when the global norm ||g|| of all gradients exceeds c, every gradient is scaled by
  /// c / ||g|| before the update. 0 turns clipping off.
  double clip_norm = 0;
};

namespace detail {
/// Throws ValueError "<who>: <what> (step_size nan)" for a step size <= 0 or not finite, a
/// negative or non-finite weight decay or clip norm.
void check_gradient_options(const char* who, const GradientOptions& o);
/// Scales every gradient by c / norm when the global gradient norm exceeds c; returns the norm.
double clip_grad_norm(std::vector<Variable>& params, double c);
/// What a parameter was when its optimizer state was made: the state fits only that.
struct ParamSpec {
  Shape shape;
  Dtype dtype;
};
/// Throws ShapeError "<who>: fc1.weight is now shape (5) float32, but its state was made for
/// shape (3) float32 ..." (TypeError when only the element type differs) when a parameter's value
/// or gradient no longer matches `spec`: the update would run past the state's buffers.
void check_param_matches(const char* who, const std::string& name, const Variable& p,
                         const ParamSpec& spec);
/// w <- (1 - a) * w, in place.
void shrink(float* w, std::size_t n, double a);
void shrink(double* w, std::size_t n, double a);

template <class R, class = void>
struct HasCheck : std::false_type {};
template <class R>
struct HasCheck<R, std::void_t<decltype(std::declval<const R&>().check(""))>> : std::true_type {};
struct FieldProbe {
  void operator()(const char*, Tensor&) const {}
};
template <class R, class = void>
struct HasFields : std::false_type {};
template <class R>
struct HasFields<R, std::void_t<decltype(std::declval<const R&>().fields(
                        std::declval<typename R::State&>(), FieldProbe()))>> : std::true_type {};
/// Throws ValueError "<who>: its update rule does not list its state (fields()) ...".
[[noreturn]] void throw_no_fields(const char* who);
/// Throws ValueError "<who>: load_state: the state holds entries for 3 parameters, but the
/// objective has 2" unless "<prefix>0" .. "<prefix>{n-1}" are the indexed entries.
void check_state_count(const char* who, const OptimizerState& s, const std::string& prefix,
                       std::size_t n);
}  // namespace detail

template <class Rule>
class GradientMethod : public Optimizer {
 public:
  using Options = typename Rule::Options;

  /// Throws ValueError naming the optimizer and the value for bad options.
  explicit GradientMethod(Options options = Options()) : GradientMethod(options, Rule::kName) {}

  const char* name() const override { return name_; }
  const Options& options() const { return rule_.options; }
  double current_step_size() const override { return lr_; }

  /// Checks that every parameter requires a gradient and resets the per-parameter state (or
  /// adopts the state load_state() gave, checked against f.params).
  void begin(Objective& f) override {
    check_objective(name_, f, true);
    if (loaded_) {
      adopt(f);
      return;
    }
    states_.clear();
    states_.reserve(f.params.size());
    specs_.clear();
    for (const auto& p : f.params) {
      states_.emplace_back(p.value());
      specs_.push_back({p.shape(), p.dtype()});
    }
    t_ = 0;
  }

  /// loss_and_grad, then for each parameter with a gradient: clip, decay, rule update (in place).
  /// A step without begin() begins a run. Throws NonFiniteError naming the optimizer and the
  /// parameter, before anything is written, when the loss or a gradient is not finite.
  double step(Objective& f, const Batch& batch, const StepInfo& info) override {
    if (loaded_ || states_.size() != f.params.size()) begin(f);
    const double loss = loss_and_grad(f, batch);
    const auto& o = rule_.options;
    lr_ = o.schedule.rate(o.step_size, info.progress(), static_cast<double>(info.epochs));
    check_finite_step(name_, loss, f.params, f.names);  // never a non-finite update (finite.hpp)
    if (o.clip_norm > 0) detail::clip_grad_norm(f.params, o.clip_norm);
    ++t_;
    for (std::size_t i = 0; i < f.params.size(); ++i) {
      Variable& p = f.params[i];
      if (!p.has_grad()) continue;  // the loss does not use it (as PyTorch, skip it)
      detail::check_param_matches(name_, param_name(f.names, i), p, specs_[i]);
      p.value().visit([&](auto& w) {
        using T = typename std::decay_t<decltype(w)>::value_type;
        if (o.weight_decay > 0) detail::shrink(w.data(), w.size(), lr_ * o.weight_decay);
        rule_.update(w.data(), p.grad().template data<T>(), w.size(), lr_, t_, states_[i]);
      });
    }
    return loss;
  }

  /// "t" (the steps taken) and, per parameter i, the rule's tensors ("velocity.i", "m.i", "v.i",
  /// ...) in the parameter's shape and element type.
  OptimizerState state() const override {
    if (loaded_) return *loaded_;
    if (states_.empty()) return {};
    OptimizerState out{{"t", detail::count_entry(t_)}};
    for (std::size_t i = 0; i < states_.size(); ++i) {
      const detail::ParamSpec& spec = specs_[i];
      fields(states_[i], [&](const char* field, const Tensor& t) {
        out.emplace_back(entry_name(field, i), t.empty() ? Tensor::zeros(spec.shape, spec.dtype)
                                                         : t.reshaped(spec.shape));
      });
    }
    return out;
  }

  /// Checks the names and "t" now, the shapes at the next begin() (see Optimizer::load_state).
  void load_state(const OptimizerState& state) override {
    const std::vector<std::string> names = field_names();
    const std::size_t n = names.empty() ? 0 : detail::count_indexed(state, names[0] + ".");
    std::vector<std::string> expected{"t"};
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& field : names) expected.push_back(entry_name(field.c_str(), i));
    detail::check_names(name_, state, expected);
    detail::read_count(name_, state, "t");
    loaded_ = state;
  }

 protected:
  /// For optimizers that are a rule under another name (GradientDescent is Sgd on whole batches).
  GradientMethod(Options options, const char* name) : name_(name), rule_{std::move(options)} {
    detail::check_gradient_options(name_, rule_.options);
    if constexpr (detail::HasCheck<Rule>::value) rule_.check(name_);
  }

 private:
  static std::string entry_name(const char* field, std::size_t i) {
    return std::string(field) + "." + std::to_string(i);
  }
  template <class S, class F>
  void fields(S& s, F&& f) const {
    if constexpr (detail::HasFields<Rule>::value) {
      rule_.fields(s, f);
    } else {
      (void)s;
      (void)f;
      // An empty State has no tensors; any other must say what it holds.
      if constexpr (!std::is_empty_v<typename Rule::State>) detail::throw_no_fields(name_);
    }
  }
  std::vector<std::string> field_names() const {
    std::vector<std::string> out;
    typename Rule::State probe(Tensor::zeros(Shape{1}, Dtype::float64));
    fields(probe, [&out](const char* field, const Tensor&) { out.emplace_back(field); });
    return out;
  }
  // Makes the loaded state the run's, after checking it against f.params; changes nothing when
  // it does not fit.
  void adopt(const Objective& f) {
    const OptimizerState& s = *loaded_;
    const std::vector<std::string> names = field_names();
    if (!names.empty()) detail::check_state_count(name_, s, names[0] + ".", f.params.size());
    const std::size_t steps = detail::read_count(name_, s, "t");
    std::vector<typename Rule::State> states;
    std::vector<detail::ParamSpec> specs;
    states.reserve(f.params.size());
    for (std::size_t i = 0; i < f.params.size(); ++i) {
      const Variable& p = f.params[i];
      states.emplace_back(p.value());
      specs.push_back({p.shape(), p.dtype()});
      fields(states.back(), [&](const char* field, Tensor& t) {
        const std::string entry = entry_name(field, i);
        const Tensor& v = detail::need_entry(name_, s, entry);
        detail::check_entry_fits(name_, entry, v, p.shape(), p.dtype(), param_name(f.names, i));
        t = v.reshaped(Shape{p.size()});
      });
    }
    t_ = steps;
    states_ = std::move(states);
    specs_ = std::move(specs);
    loaded_.reset();
  }

  const char* name_;
  Rule rule_;
  std::optional<OptimizerState> loaded_;  // from load_state(), until the next begin()
  std::vector<typename Rule::State> states_;
  std::vector<detail::ParamSpec> specs_;  // what each state was made for
  std::size_t t_ = 0;
  double lr_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace slope
