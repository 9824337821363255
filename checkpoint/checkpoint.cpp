// SPDX-License-Identifier: MIT
#include "checkpoint.hpp"

#include <random>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../optim/objective.hpp"
#include "../optim/optimizer_state.hpp"
#include "atomic_file.hpp"
#include "npz.hpp"

namespace slope {

namespace {

using RngStates = std::vector<std::pair<std::string, std::string>>;

constexpr char kEpochKey[] = "state/epoch";
constexpr char kIterationKey[] = "state/iteration";
constexpr char kMetricsPrefix[] = "state/metrics/";
constexpr char kRngKey[] = "state/rng";  // the root module's; a child's is "state/rng/<path>"

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string rng_key(const std::string& path) {
  return path.empty() ? std::string(kRngKey) : fmt::format("{}/{}", kRngKey, path);
}

// NOTE: a module's generator goes into the file as the optimizers' engines do (rng_entry: its
// state words in exact 32-bit halves), so the file has one encoding of an engine.
Tensor engine_entry(const std::string& text, const std::string& context, const std::string& key) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail())
    throw ValueError(
        fmt::format("{}: the generator for '{}' is not a std::mt19937_64", context, key));
  return detail::rng_entry(engine);
}

std::string engine_text(const NamedTensors& state, const std::string& key,
                        const std::string& context) {
  std::ostringstream out;
  out << detail::read_rng(context.c_str(), state, key);
  return out.str();
}

void save(const std::string& path, const std::vector<nn::NamedParameter>& params,
          const RngStates& rngs, const Optimizer* optimizer, const TrainingState& state) {
  const std::string context = fmt::format("save_checkpoint: '{}'", path);
  std::vector<NpzArray> arrays;
  for (const auto& [name, p] : params) {
    if (starts_with(name, kOptimPrefix) || starts_with(name, kStatePrefix))
      throw ValueError(fmt::format("{}: parameter '{}' starts with a reserved prefix ('{}', '{}')",
                                   context, name, kOptimPrefix, kStatePrefix));
    if (!p.defined()) throw ValueError(fmt::format("{}: parameter '{}' is null", context, name));
    arrays.push_back({name, p.value(), false});
  }
  if (optimizer)
    for (auto& [name, t] : optimizer->state()) arrays.push_back({kOptimPrefix + name, t, false});
  arrays.push_back({kEpochKey, detail::count_entry(state.epoch)});
  arrays.push_back({kIterationKey, detail::count_entry(state.iteration)});
  for (const auto& [name, value] : state.metrics.items())
    arrays.push_back({kMetricsPrefix + name, detail::value_entry(value)});
  for (const auto& [module, text] : rngs)
    arrays.push_back({rng_key(module), engine_entry(text, context, rng_key(module))});
  write_file_atomic(path, save_npz_bytes(arrays, context));
}

// Rethrows the typed error in flight with `prefix` in front of its message.
[[noreturn]] void rethrow_prefixed(const std::string& prefix) {
  try {
    throw;
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("{}: {}", prefix, e.what()));
  } catch (const TypeError& e) {
    throw TypeError(fmt::format("{}: {}", prefix, e.what()));
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("{}: {}", prefix, e.what()));
  }
}

// The file's parameter arrays checked against `params`: the same names, shapes and element
// types. Returns the values in the order of `params`.
std::vector<Tensor> match_parameters(const NamedTensors& file,
                                     const std::vector<nn::NamedParameter>& params,
                                     const std::string& context) {
  std::vector<Tensor> values;
  for (const auto& [name, p] : params) {
    const Tensor* found = nullptr;
    for (const auto& [key, t] : file)
      if (key == name) found = &t;
    if (!found)
      throw ValueError(fmt::format("{}: has no parameter '{}' (the model's {} {})", context, name,
                                   dtype_name(p.dtype()), shape_str(p.shape())));
    if (found->shape() != p.shape())
      throw ShapeError(fmt::format("{}: parameter '{}' has shape {} in the file, {} in the model",
                                   context, name, shape_str(found->shape()), shape_str(p.shape())));
    if (found->dtype() != p.dtype())
      throw TypeError(fmt::format("{}: parameter '{}' is {} in the file, {} in the model", context,
                                  name, dtype_name(found->dtype()), dtype_name(p.dtype())));
    values.push_back(*found);
  }
  for (const auto& [key, t] : file) {
    bool known = false;
    for (const auto& [name, p] : params) known = known || name == key;
    if (!known)
      throw ValueError(fmt::format("{}: has parameter '{}' ({} {}), which the model does not have",
                                   context, key, dtype_name(t.dtype()), shape_str(t.shape())));
  }
  return values;
}

// The generator states the file holds for `model`'s generators, in the model's order: one each,
// no more.
RngStates match_rngs(const NamedTensors& state, const nn::Module* model,
                     const std::string& context) {
  RngStates out;
  const RngStates now = model ? model->named_rng_states() : RngStates{};
  for (const auto& [path, text] : now) {
    const std::string key = rng_key(path);
    const Tensor* found = nullptr;
    for (const auto& [k, t] : state)
      if (k == key) found = &t;
    if (!found)
      throw ValueError(
          fmt::format("{}: has no entry '{}' for the random generator of module "
                      "'{}'",
                      context, key, path));
    out.emplace_back(path, engine_text(state, key, context));
  }
  for (const auto& [k, t] : state) {
    if (k != kRngKey && !starts_with(k, "state/rng/")) continue;
    bool known = false;
    for (const auto& [path, text] : now) known = known || rng_key(path) == k;
    if (!known)
      throw ValueError(
          fmt::format("{}: has entry '{}', a random generator the model does not "
                      "have",
                      context, k));
  }
  return out;
}

TrainingState training_state(const NamedTensors& state, const std::string& context) {
  TrainingState run;
  run.epoch = detail::read_count(context.c_str(), state, kEpochKey);
  run.iteration = detail::read_count(context.c_str(), state, kIterationKey);
  for (const auto& [key, t] : state)
    if (starts_with(key, kMetricsPrefix))
      run.metrics.set(key.substr(sizeof(kMetricsPrefix) - 1),
                      detail::read_value(context.c_str(), state, key));
  return run;
}

TrainingState load(const std::string& path, const std::vector<nn::NamedParameter>& params,
                   nn::Module* model, Optimizer* optimizer, bool weights_only) {
  const std::string context =
      fmt::format("{}: '{}'", weights_only ? "load_weights" : "load_checkpoint", path);
  NamedTensors weights, optim, state;
  for (auto& [key, t] : load_npz_bytes(read_file_bytes(path, context), context)) {
    if (starts_with(key, kOptimPrefix))
      optim.emplace_back(key.substr(sizeof(kOptimPrefix) - 1), std::move(t));
    else if (starts_with(key, kStatePrefix))
      state.emplace_back(key, std::move(t));
    else
      weights.emplace_back(key, std::move(t));
  }
  // Everything is checked before anything changes.
  const std::vector<Tensor> values = match_parameters(weights, params, context);
  TrainingState run;
  RngStates rngs;
  if (!weights_only) {
    run = training_state(state, context);
    rngs = match_rngs(state, model, context);
  }
  // The generators and the optimizer check their own states as they take them: on a refusal,
  // the generators already set go back to where they were.
  const RngStates before = model ? model->named_rng_states() : RngStates{};
  std::string at;
  try {
    for (const auto& [module, text] : rngs) {
      at = fmt::format("{}: entry '{}'", context, rng_key(module));
      model->set_named_rng_state(module, text);
    }
    if (optimizer && !weights_only) {
      at = fmt::format("{}: the state of {}", context, optimizer->name());
      optimizer->load_state(optim);
    }
  } catch (...) {
    for (const auto& [module, text] : before) model->set_named_rng_state(module, text);
    rethrow_prefixed(at);
  }
  std::vector<Variable> vars;
  vars.reserve(params.size());
  for (const auto& [name, p] : params) vars.push_back(p);
  restore(vars, values);
  return run;
}

}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer* optimizer,
                     const TrainingState& state) {
  save(path, model.named_parameters(), model.named_rng_states(), optimizer, state);
}

void save_checkpoint(const std::string& path, const std::vector<nn::NamedParameter>& params,
                     const Optimizer* optimizer, const TrainingState& state) {
  save(path, params, {}, optimizer, state);
}

TrainingState load_checkpoint(const std::string& path, nn::Module& model, Optimizer* optimizer) {
  return load(path, model.named_parameters(), &model, optimizer, false);
}

TrainingState load_checkpoint(const std::string& path,
                              const std::vector<nn::NamedParameter>& params, Optimizer* optimizer) {
  return load(path, params, nullptr, optimizer, false);
}

TrainingState read_training_state(const std::string& path) {
  const std::string context = fmt::format("read_training_state: '{}'", path);
  return training_state(load_npz_bytes(read_file_bytes(path, context), context), context);
}

void load_weights(const std::string& path, const std::vector<nn::NamedParameter>& params) {
  load(path, params, nullptr, nullptr, true);
}

void load_weights(const std::string& path, nn::Module& model) {
  load(path, model.named_parameters(), &model, nullptr, true);
}

}  // namespace slope
