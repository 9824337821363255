// SPDX-License-Identifier: MIT
// ProgressBar: a redrawn line on a terminal, plain lines elsewhere.
#include <cmath>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "builtin_callbacks.hpp"

namespace slope {

namespace {
std::string clock_str(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

// steps/s over this fit() call, and the time the remaining steps will take at that rate.
std::string speed_and_eta(const TrainState& s) {
  const double rate =
      s.seconds > 0 ? static_cast<double>(s.iteration - s.initial_iteration) / s.seconds : 0;
  const double total = static_cast<double>(s.epochs * s.steps_per_epoch);
  const double left = rate > 0 ? (total - static_cast<double>(s.iteration)) / rate : NAN;
  return fmt::format("{:.0f} steps/s  ETA {}", rate, clock_str(left));
}

// The epoch log without the entries every line shows anyway.
std::string extra_metrics(const Metrics& log) {
  std::string out;
  for (const auto& [name, value] : log.items()) {
    if (name == "epoch" || name == "loss" || name == "seconds") continue;
    out += fmt::format("  {} {:.4g}", name, value);
  }
  return out;
}
}  // namespace

ProgressBar::ProgressBar(Options options) : options_(options) {}

bool ProgressBar::on_begin(const TrainState& /*state*/) {
  bar_ = options_.mode == Mode::bar ||
         (options_.mode == Mode::automatic && isatty(fileno(options_.out)) == 1);
  last_draw_ = last_line_ = -1e300;
  pending_ = false;
  return false;
}

void ProgressBar::draw(const TrainState& s) {
  constexpr std::size_t kWidth = 24;
  const std::size_t done = s.step + 1;
  const std::size_t filled = kWidth * done / s.steps_per_epoch;
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  fmt::print(options_.out, "\repoch {}/{} [{}] {}/{}  loss {:.5g}  {}\x1b[K", s.epoch + 1, s.epochs,
             bar, done, s.steps_per_epoch, s.epoch_loss, speed_and_eta(s));
  std::fflush(options_.out);
  pending_ = true;
  last_draw_ = s.seconds;
}

bool ProgressBar::on_step(const TrainState& s) {
  if (bar_ && s.seconds - last_draw_ >= options_.redraw) draw(s);
  return false;
}

bool ProgressBar::on_epoch_end(const TrainState& s, Metrics& log) {
  const bool last = s.epoch + 1 == s.epochs;
  if (bar_) {
    draw(s);
    fmt::print(options_.out, "{}\n", extra_metrics(log));
    pending_ = false;
  } else if (last || s.seconds - last_line_ >= options_.line_interval) {
    fmt::print(options_.out, "epoch {}/{}  steps {}  loss {:.5g}{}  {}\n", s.epoch + 1, s.epochs,
               s.steps_per_epoch, log.get("loss"), extra_metrics(log), speed_and_eta(s));
    last_line_ = s.seconds;
  }
  std::fflush(options_.out);
  return false;
}

void ProgressBar::on_end(const TrainState& s) {
  if (pending_) fmt::print(options_.out, "\n");
  pending_ = false;
  if (!s.stop_reason.empty()) fmt::print(options_.out, "stopped: {}\n", s.stop_reason);
  std::fflush(options_.out);
}

}  // namespace slope
