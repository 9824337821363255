// SPDX-License-Identifier: MIT
// The gradient checker: analytic gradients from backward() against numeric finite differences,
// for a function of tensors (gradcheck), a whole model (gradcheck_model) or every node of one
// evaluation (gradcheck_nodes). Kink-aware; every report states its step, pass rule and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../graph/variable.hpp"

namespace slope {

/// Central: n = (f(x + h) - f(x - h)) / 2h, error O(h^2). Forward (the lecture's formula):
/// n = (f(x + h) - f(x)) / h, error O(h); for teaching.
enum class DiffScheme { central, forward };
const char* scheme_name(DiffScheme s);

/// Where a checked coordinate stands relative to the kinks of the ops it flows through.
/// crossed: [x - h, x + h] crosses a kink; at_kink: x sits exactly on one.
enum class KinkStatus { smooth, crossed, at_kink };
const char* kink_name(KinkStatus k);

struct GradcheckOptions {
  DiffScheme scheme = DiffScheme::central;
  /// Finite-difference step. 0 picks h = c * max(1, |x|) per coordinate, with c from the element
  /// type and the scheme: cbrt(eps) for central (6.1e-6 in float64), sqrt(eps) for forward.
  double h = 0.0;
  /// A smooth coordinate passes when |a - n| <= atol + rtol * max(|a|, |n|).
  double rtol = 1e-6;
  double atol = 1e-9;
  /// Tensors of at most max(full_limit, samples) elements are checked at every coordinate; larger
  /// ones at `samples` distinct coordinates drawn from `seed` (so a bias is always fully covered).
  std::size_t full_limit = 2000;
  std::size_t samples = 64;
  /// Seeds the sampled coordinates and the projection weights w of a non-scalar output.
  std::uint64_t seed = 0;
  /// Check in float64 even when the values are float32 (converted, checked, restored).
  bool in_float64 = true;
  /// Count coordinates on or across a kink as failures instead of checking them against the
  /// interval between the one-sided slopes.
  bool kinks_fail = false;
  /// gradcheck_model only: also check every node of one evaluation (see gradcheck_nodes).
  bool per_node = false;
};

/// One checked coordinate.
struct CoordinateCheck {
  std::size_t index = 0;  // flat, row-major
  double analytic = 0.0;
  double numeric = 0.0;  // the scheme's difference quotient
  double left = 0.0;     // (f(x) - f(x - h)) / h, when computed
  double right = 0.0;    // (f(x + h) - f(x)) / h
  double step = 0.0;     // the h used
  double rel_error = 0.0;
  KinkStatus kink = KinkStatus::smooth;
  bool pass = true;
};

/// What was found for one checked tensor (an input, a parameter or a node's input): one row of
/// the table.
struct InputReport {
  std::string name;  // "input 0", a parameter's name, or "#2 mul: in 1"
  Shape shape;
  std::size_t size = 0;  // elements in the tensor
  std::size_t checked = 0;
  double max_rel_error = 0.0;
  std::size_t worst_index = 0;  // flat; the worst failing coordinate, else the largest rel error
  double worst_analytic = 0.0;
  double worst_numeric = 0.0;
  double worst_rel_error = 0.0;
  double worst_left = 0.0;
  double worst_right = 0.0;
  KinkStatus worst_kink = KinkStatus::smooth;
  std::size_t failures = 0;
  std::size_t kinks_crossed = 0;
  std::size_t kinks_at = 0;
  bool ok = true;
  bool skipped = false;
  std::string note;  // why a row was skipped or could not be checked
  std::vector<CoordinateCheck> coordinates;
};

struct GradcheckResult {
  bool ok = true;
  std::string label;  // the op, model or graph checked
  /// The step: the given h, or the factor c of h = c * max(1, |x|).
  double h = 0.0;
  bool h_given = false;
  Dtype dtype = Dtype::float64;  // the element type the differences were taken in
  bool converted = false;        // float32 values were checked in float64
  GradcheckOptions options;
  std::string subject = "input";  // the first column's title: input, parameter, node
  std::vector<InputReport> inputs;
  std::vector<std::string> warnings;

  /// One line: "label: ok, max rel err 3.1e-10, ..." or the op, tensor, index, analytic and
  /// numeric values of the worst failure.
  std::string summary() const;
  /// "h = 6.06e-06 * max(1, |x|) (central differences, float64)".
  std::string step_rule() const;
  /// The exact rule a coordinate passes by, with this check's atol and rtol.
  std::string pass_rule() const;
  /// The table: one row per tensor.
  std::string table() const;
  /// The whole report: step, pass rule, kink rule, sampling and seed, table, warnings, verdict.
  std::string report() const;
  std::size_t failures() const;
  std::size_t kinks_crossed() const;
  std::size_t kinks_at() const;
  std::size_t checked() const;
};

/// Checks f's gradients at `inputs` (every input is checked). A non-scalar output is reduced to
/// sum(out * w) for a fixed random w (from options.seed), so a backward that permutes g cannot
/// pass. Throws GraphError inside a NoGradGuard (the analytic gradient needs the graph).
GradcheckResult gradcheck(const OpFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {}, const std::string& label = "f");

/// Checks every parameter of a model: `loss` evaluates the model with the parameters' current
/// values (a scalar; a non-scalar output is projected as in gradcheck). Float32 parameters are
/// converted to float64 in place for the check and restored bit for bit afterwards, as are their
/// gradients and requires_grad flags; the loss must then build its constants in the parameters'
/// element type (e.g. `Variable(x.to(w.dtype()))`), else TypeError says so. With in_float64 off
/// the check runs in float32 and the report warns when rtol is below what float32 can resolve.
/// `names` label the parameters ("param 0", ... by default), in the parameter rows and, with
/// per_node, in the node rows ("#0 linear: W1 (in 1)"). Throws ValueError for an empty or
/// non-leaf parameter or a names list of another length, GraphError inside a NoGradGuard.
GradcheckResult gradcheck_model(const std::function<Variable()>& loss,
                                const std::vector<Variable>& params,
                                const GradcheckOptions& options = {},
                                const std::string& label = "model",
                                const std::vector<std::string>& names = {});
/// The same over named parameters, such as a module's named_parameters():
/// `gradcheck_model(loss, model.named_parameters())`.
GradcheckResult gradcheck_model(const std::function<Variable()>& loss,
                                const std::vector<std::pair<std::string, Variable>>& named,
                                const GradcheckOptions& options = {},
                                const std::string& label = "model");

/// Evaluates `loss` once and checks each node's local backward on the inputs it saw, through
/// Node::replay, so an error is pinned to the node that made it. Rows are "#k op: in i" (k counts
/// nodes inputs-first); only inputs that require a gradient are checked; a node without replay is
/// listed as skipped. An input that is one of `params` reads "#k op: <its name> (in i)", its name
/// from `names`. Throws GraphError when the loss records no graph.
GradcheckResult gradcheck_nodes(const std::function<Variable()>& loss,
                                const GradcheckOptions& options = {},
                                const std::string& label = "graph",
                                const std::vector<Variable>& params = {},
                                const std::vector<std::string>& names = {});

/// The factor c of the default step h = c * max(1, |x|): cbrt(eps) for central differences,
/// sqrt(eps) for forward ones, eps of `dtype`.
double default_step_factor(DiffScheme scheme, Dtype dtype);

/// "[1, 2]": the multi-index of flat index `flat` in `shape`.
std::string index_str(std::size_t flat, const Shape& shape);

}  // namespace slope

/// `{}` prints the whole report (GradcheckResult::report), `{:s}` the one-line summary.
template <>
struct fmt::formatter<slope::GradcheckResult> {
  bool short_form = false;
  constexpr auto parse(format_parse_context& ctx) -> decltype(ctx.begin()) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 's') {
      short_form = true;
      ++it;
    }
    if (it != ctx.end() && *it != '}') throw format_error("GradcheckResult: use {} or {:s}");
    return it;
  }
  template <class Context>
  auto format(const slope::GradcheckResult& r, Context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{}", short_form ? r.summary() : r.report());
  }
};
