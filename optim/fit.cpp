// SPDX-License-Identifier: MIT
// The training loop.
#include "fit.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "../graph/anomaly.hpp"
#include "../graph/errors.hpp"

namespace slope {

namespace {
// "epoch 2 of 10, step 3 of 5 (Sgd, step size 0.1)": where a failed step sat.
std::string where(const Optimizer& optimizer, const StepInfo& info) {
  return fmt::format("epoch {} of {}, step {} of {} ({}, step size {:.4g})", info.epoch + 1,
                     info.epochs, info.step + 1, info.steps_per_epoch, optimizer.name(),
                     optimizer.current_step_size());
}
}  // namespace

FitResult fit(Optimizer& optimizer, Objective& f, const FitOptions& options,
              const std::vector<Callback*>& callbacks) {
  if (!grad_enabled())
    throw GraphError(
        "fit: gradients are off on this thread (a NoGradGuard is alive), so no step could compute "
        "a gradient; call fit outside the guard");
  if (options.epochs == 0) throw ValueError("fit: epochs must be at least 1 (epochs 0)");
  if (options.initial_epoch >= options.epochs)
    throw ValueError(
        fmt::format("fit: initial_epoch must be below epochs (initial_epoch {}, "
                    "epochs {})",
                    options.initial_epoch, options.epochs));
  if (options.on_non_finite == NonFinitePolicy::skip && options.max_consecutive_skips == 0)
    throw ValueError("fit: max_consecutive_skips must be at least 1 (max_consecutive_skips 0)");
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
  std::optional<AnomalyGuard> anomaly;
  if (options.detect_anomaly) anomaly.emplace();

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  TrainState state(f, optimizer);
  state.epochs = options.epochs;
  state.steps_per_epoch = full ? 1 : sampler->batches_per_epoch();
  state.epoch = options.initial_epoch;
  state.iteration =
      options.initial_iteration.value_or(options.initial_epoch * state.steps_per_epoch);
  state.initial_iteration = state.iteration;
  FitResult result;
  result.epochs = options.initial_epoch;
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
  // Before fit throws for a non-finite step: every on_end runs (KeepBest restores, CsvLogger
  // closes its file); an on_end that throws too does not hide the first error.
  auto end_with_error = [&](const std::string& message) {
    state.seconds = elapsed();
    state.error = message;
    for (Callback* cb : callbacks) {
      try {
        cb->on_end(state);
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the first error wins
      }
    }
  };

  bool stop = false;
  std::size_t consecutive_skips = 0;
  try {
    stop = run_hook([&](Callback* cb) { return cb->on_begin(state); });
    for (std::size_t epoch = options.initial_epoch; epoch < options.epochs && !stop; ++epoch) {
      state.epoch = epoch;
      if (sampler) sampler->begin_epoch(epoch);
      double sum = 0;
      std::size_t count = 0;
      state.epoch_loss = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t step = 0; !stop; ++step) {
        if (full ? step > 0 : !sampler->next(batch)) break;
        const StepInfo info{epoch, step, state.steps_per_epoch, options.epochs, state.iteration};
        double loss = 0;
        try {
          loss = optimizer.step(f, batch, info);
        } catch (const NonFiniteError& e) {
          // The optimizer refused the step: the parameters hold their last finite values.
          if (options.on_non_finite == NonFinitePolicy::skip &&
              consecutive_skips < options.max_consecutive_skips) {
            ++consecutive_skips;
            ++result.skipped_steps;
            continue;
          }
          const std::string skips =
              options.on_non_finite == NonFinitePolicy::skip
                  ? fmt::format(", after {} skipped steps in a row (max_consecutive_skips {})",
                                consecutive_skips, options.max_consecutive_skips)
                  : "";
          if (e.parameter < 0)
            throw NonFiniteError(
                fmt::format("fit: the loss became {} at {}{}; the step was not applied, the "
                            "parameters hold their last finite values; a smaller step size may "
                            "help",
                            e.loss, where(optimizer, info), skips),
                e.loss);
          throw NonFiniteError(fmt::format("fit: the gradient became non-finite at {}{}: {}",
                                           where(optimizer, info), skips, e.what()),
                               e.loss, e.parameter);
        } catch (const AnomalyError& e) {
          throw AnomalyError(fmt::format("fit: at {}: {}", where(optimizer, info), e.what()));
        }
        if (!std::isfinite(loss))  // an optimizer that does not check (its step is applied)
          throw NonFiniteError(fmt::format("fit: the loss became {} at {}; {} returned it without "
                                           "refusing the step; a smaller "
                                           "step size may help",
                                           loss, where(optimizer, info), optimizer.name()),
                               loss);
        consecutive_skips = 0;
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
  } catch (const NonFiniteError& e) {
    end_with_error(e.what());
    throw;
  } catch (const AnomalyError& e) {
    end_with_error(e.what());
    throw;
  }

  result.steps = state.iteration;
  result.seconds = elapsed();
  state.seconds = result.seconds;
  state.stop_reason = result.stop_reason;
  for (Callback* cb : callbacks) cb->on_end(state);
  return result;
}

}  // namespace slope
