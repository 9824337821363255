// SPDX-License-Identifier: MIT
// The training loop.
#include "fit.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

FitResult fit(Optimizer& optimizer, Objective& f, const FitOptions& options,
              const std::vector<Callback*>& callbacks) {
  if (options.epochs == 0) throw ValueError("fit: epochs must be at least 1 (epochs 0)");
  for (std::size_t i = 0; i < callbacks.size(); ++i)
    if (!callbacks[i]) throw ValueError(fmt::format("fit: callback {} is null", i));
  optimizer.begin(f);  // checks the objective, naming the optimizer

  // A full-batch optimizer takes one step per epoch on all examples; others follow the sampler.
  const bool full = optimizer.full_batch();
  std::optional<Sampler> sampler;
  Batch batch;
  if (full)
    batch = whole_batch(f.examples);
  else
    sampler.emplace(f.examples, static_cast<const SamplerOptions&>(options));

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  TrainState state(f, optimizer);
  state.epochs = options.epochs;
  state.steps_per_epoch = full ? 1 : sampler->batches_per_epoch();
  FitResult result;
  result.loss = std::numeric_limits<double>::quiet_NaN();
  // Every callback runs each hook; the first that asks to stop names the reason.
  auto run_hook = [&](auto&& hook) {
    bool stop = false;
    for (Callback* cb : callbacks)
      if (hook(cb) && !stop) {
        stop = true;
        result.stopped_early = true;
        result.stop_reason = cb->stop_reason();
      }
    return stop;
  };

  bool stop = run_hook([&](Callback* cb) { return cb->on_begin(state); });
  for (std::size_t epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    state.epoch = epoch;
    if (sampler) sampler->begin_epoch(epoch);
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t step = 0; !stop; ++step) {
      if (full ? step > 0 : !sampler->next(batch)) break;
      const StepInfo info{epoch, step, state.steps_per_epoch, options.epochs, state.iteration};
      const double loss = optimizer.step(f, batch, info);
      if (!std::isfinite(loss))
        throw ValueError(fmt::format(
            "fit: the loss became {} at epoch {} of {}, step {} of {} ({}, step size {:.4g}); "
            "a smaller step size may help",
            loss, epoch + 1, options.epochs, step + 1, state.steps_per_epoch, optimizer.name(),
            optimizer.current_step_size()));
      sum += loss;
      ++count;
      state.step = step;
      ++state.iteration;
      state.loss = loss;
      state.epoch_loss = sum / static_cast<double>(count);
      state.seconds = elapsed();
      stop = run_hook([&](Callback* cb) { return cb->on_step(state); });
    }
    result.loss = state.epoch_loss;
    if (stop) break;  // an epoch cut short is neither evaluated nor logged

    Metrics log{{"epoch", static_cast<double>(epoch + 1)},
                {"loss", state.epoch_loss},
                {"step_size", optimizer.current_step_size()}};
    if (options.evaluate) log.merge(options.evaluate());
    state.seconds = elapsed();
    log.set("seconds", state.seconds);
    result.epochs = epoch + 1;
    stop = run_hook([&](Callback* cb) { return cb->on_epoch_end(state, log); });
    result.history.push_back(std::move(log));
  }

  result.steps = state.iteration;
  result.seconds = elapsed();
  state.seconds = result.seconds;
  state.stop_reason = result.stop_reason;
  for (Callback* cb : callbacks) cb->on_end(state);
  return result;
}

}  // namespace slope
