// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// fit(): epochs and batches, determinism, callbacks and their stop, history, CSV, progress output,
// NaN detection, and every optimizer behind the same call.
#define BOOST_TEST_MODULE optim_train
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "support/checks.hpp"
#include "support/optim_problems.hpp"

using namespace slope;
using test::mentions;

namespace {
FitOptions options(std::size_t epochs, std::size_t batch = 8, std::uint64_t seed = 11) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.seed = seed;
  return o;
}

Sgd momentum_sgd(double lr = 0.1) {
  SgdOptions o;
  o.step_size = lr;
  o.momentum = 0.9;
  return Sgd(o);
}

// An evaluate function that reports a scripted val_loss, one value per epoch.
std::function<Metrics()> scripted(std::vector<double> values, const char* name = "val_loss") {
  auto next = std::make_shared<std::size_t>(0);
  return [values, next, name] { return Metrics{{name, values.at((*next)++)}}; };
}

// Counts hook calls; stops at a chosen point.
struct Probe : Callback {
  std::size_t begins = 0, steps = 0, epoch_ends = 0, ends = 0;
  bool stop_at_begin = false;
  std::size_t stop_at_step = 0;   // iteration count, 0 = never
  std::size_t stop_at_epoch = 0;  // epochs completed, 0 = never
  std::string reason = "Probe: asked to stop";
  bool on_begin(const TrainState&) override {
    ++begins;
    return stop_at_begin;
  }
  bool on_step(const TrainState& s) override {
    ++steps;
    return stop_at_step > 0 && s.iteration >= stop_at_step;
  }
  bool on_epoch_end(const TrainState& s, Metrics&) override {
    ++epoch_ends;
    return stop_at_epoch > 0 && s.epoch + 1 >= stop_at_epoch;
  }
  void on_end(const TrainState&) override { ++ends; }
  std::string stop_reason() const override { return reason; }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / fmt::format("slope_{}_{}", ::getpid(), name))
      .string();
}

std::string captured(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(training)

BOOST_AUTO_TEST_CASE(sgd_separates_the_blobs_completely) {
  test::Blobs blobs;
  BOOST_TEST(blobs.accuracy() < 0.5);
  Sgd sgd = momentum_sgd();
  const FitResult r = fit(sgd, blobs.objective, options(20));
  BOOST_TEST(blobs.accuracy() == 1.0);
  BOOST_TEST(r.epochs == 20u);
  BOOST_TEST(r.steps == 20u * 8u);  // ceil(60 / 8) batches per epoch
  BOOST_TEST(r.history.front().get("loss") > r.history.back().get("loss"));
  BOOST_TEST(r.history.back().get("loss") < 0.05);
  BOOST_TEST(r.loss == r.history.back().get("loss"));
}

BOOST_AUTO_TEST_CASE(same_seed_same_losses_bit_for_bit) {
  auto losses = [](std::uint64_t seed) {
    test::Blobs blobs;
    Sgd sgd = momentum_sgd(0.05);
    test::StepLosses record;
    fit(sgd, blobs.objective, options(4, 8, seed), record);
    return std::make_pair(record.losses, blobs.w.value().to_vector());
  };
  const auto a = losses(3), b = losses(3), c = losses(4);
  BOOST_REQUIRE_EQUAL(a.first.size(), 32u);
  BOOST_TEST((a.first == b.first));  // exact equality, not a tolerance
  BOOST_TEST((a.second == b.second));
  BOOST_TEST((a.first != c.first));
}

BOOST_AUTO_TEST_CASE(every_optimizer_swaps_in_with_one_line) {
  std::vector<std::unique_ptr<Optimizer>> all;
  RandomSearchOptions rs;
  rs.scale = 0.1;
  all.push_back(std::make_unique<RandomSearch>(rs));
  RandomLocalSearchOptions rls;
  rls.step_size = 0.1;
  all.push_back(std::make_unique<RandomLocalSearch>(rls));
  SgdOptions sgd;
  sgd.step_size = 0.1;
  all.push_back(std::make_unique<GradientDescent>(sgd));
  all.push_back(std::make_unique<Sgd>(sgd));
  all.push_back(std::make_unique<AdaGrad>());
  all.push_back(std::make_unique<RMSProp>());
  all.push_back(std::make_unique<Adam>());
  all.push_back(std::make_unique<Lbfgs>());
  for (auto& opt : all) {
    test::Blobs blobs;
    // Random draws are cheap and weak: give them 50 (one per epoch).
    const bool random = std::string(opt->name()).rfind("Random", 0) == 0;
    const FitResult r = fit(*opt, blobs.objective, options(random ? 50 : 5));
    const double start = std::log(3.0);  // zero weights: uniform class probabilities
    BOOST_TEST(r.loss < start, opt->name() << " ends at loss " << r.loss);
    BOOST_TEST(r.steps == (random ? 50u : opt->full_batch() ? 5u : 40u), opt->name());
  }
}

BOOST_AUTO_TEST_CASE(history_holds_each_epochs_log) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  FitOptions o = options(3);
  o.evaluate = [&blobs] { return Metrics{{"val_accuracy", blobs.accuracy()}}; };
  const FitResult r = fit(sgd, blobs.objective, o);
  BOOST_REQUIRE_EQUAL(r.history.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    const Metrics& log = r.history[e];
    BOOST_TEST(log.names() == "epoch, loss, step_size, val_accuracy, seconds");
    BOOST_TEST(log.get("epoch") == double(e + 1));
    BOOST_TEST(log.get("step_size") == 0.1);
  }
  BOOST_TEST(r.history[2].get("val_accuracy") == blobs.accuracy());
  BOOST_TEST(!r.stopped_early);
  BOOST_TEST(r.stop_reason.empty());
}

// 60 examples in batches of 20: 3 steps per epoch; the last step of epoch k is at e = k + 2/3.
BOOST_AUTO_TEST_CASE(schedules_follow_the_epochs) {
  test::Blobs blobs;
  SgdOptions so;
  so.step_size = 0.1;
  so.schedule = Schedule::step_decay(0.5, 1);
  Sgd sgd(so);
  const FitResult r = fit(sgd, blobs.objective, options(3, 20));
  BOOST_TEST(r.history[0].get("step_size") == 0.1);
  BOOST_TEST(r.history[1].get("step_size") == 0.05);
  BOOST_TEST(r.history[2].get("step_size") == 0.025);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(callbacks)

BOOST_AUTO_TEST_CASE(stop_at_begin_takes_no_step) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  Probe stopper, other;
  stopper.stop_at_begin = true;
  const FitResult r = fit(sgd, blobs.objective, options(5), stopper, other);
  BOOST_TEST(r.steps == 0u);
  BOOST_TEST(r.epochs == 0u);
  BOOST_TEST(r.stopped_early);
  BOOST_TEST(r.stop_reason == "Probe: asked to stop");
  BOOST_TEST(other.begins == 1u);  // every callback's hook runs
  BOOST_TEST(other.ends == 1u);
  BOOST_TEST(blobs.w.value().flat(0) == 0.0);
}

BOOST_AUTO_TEST_CASE(stop_in_a_step_ends_the_run_there) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  Probe stopper, other;
  stopper.stop_at_step = 11;  // epoch 2, step 3 (8 steps per epoch)
  const FitResult r = fit(sgd, blobs.objective, options(5), other, stopper);
  BOOST_TEST(r.steps == 11u);
  BOOST_TEST(r.epochs == 1u);  // the cut-short epoch is not logged
  BOOST_TEST(r.history.size() == 1u);
  BOOST_TEST(r.stopped_early);
  BOOST_TEST(other.steps == 11u);
  BOOST_TEST(other.epoch_ends == 1u);
  BOOST_TEST(other.ends == 1u);
}

BOOST_AUTO_TEST_CASE(stop_at_epoch_end_keeps_that_epoch) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  Probe first, second, after;
  first.stop_at_epoch = 2;
  second.stop_at_epoch = 2;
  second.reason = "second";
  const FitResult r = fit(sgd, blobs.objective, options(5), first, second, after);
  BOOST_TEST(r.epochs == 2u);
  BOOST_TEST(r.steps == 16u);
  BOOST_TEST(r.history.size() == 2u);
  BOOST_TEST(r.stop_reason == "Probe: asked to stop");  // the first to ask names the reason
  BOOST_TEST(after.epoch_ends == 2u);
}

BOOST_AUTO_TEST_CASE(callbacks_can_be_a_runtime_list) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  Probe p;
  p.stop_at_epoch = 1;
  std::vector<Callback*> list{&p};
  BOOST_TEST(fit(sgd, blobs.objective, options(5), list).epochs == 1u);
  list.push_back(nullptr);
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, options(5), list), ValueError,
                        mentions("fit: callback 1 is null"));
}

// val_loss 5, 4, 3, then 3.5, 3.2, 3.1: three epochs without beating 3 -> stop after epoch 6.
BOOST_AUTO_TEST_CASE(early_stopping_waits_patience_epochs) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  FitOptions o = options(10);
  o.evaluate = scripted({5, 4, 3, 3.5, 3.2, 3.1, 1, 1, 1, 1});
  EarlyStopping early("val_loss", 3);
  const FitResult r = fit(sgd, blobs.objective, o, early);
  BOOST_TEST(r.epochs == 6u);
  BOOST_TEST(r.stopped_early);
  BOOST_TEST(r.stop_reason ==
             "EarlyStopping: val_loss did not improve for 3 epochs (best 3 at epoch 3)");
  BOOST_TEST(early.best_epoch() == 3u);
}

BOOST_AUTO_TEST_CASE(early_stopping_maximises_and_respects_min_delta) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  FitOptions o = options(10);
  // 0.5 -> 0.6 improves; 0.605 and 0.609 are within min_delta 0.01 of 0.6.
  o.evaluate = scripted({0.5, 0.6, 0.605, 0.609, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7}, "val_accuracy");
  EarlyStopping early("val_accuracy", 2, Goal::maximize, 0.01);
  const FitResult r = fit(sgd, blobs.objective, o, early);
  BOOST_TEST(r.epochs == 4u);
  BOOST_TEST(early.best() == 0.6);
}

BOOST_AUTO_TEST_CASE(monitoring_a_missing_metric_says_what_is_there) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  EarlyStopping early;
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, options(3), early), ValueError,
                        mentions("EarlyStopping: the epoch log has no 'val_loss'",
                                 "(it has epoch, loss, step_size, seconds)"));
  KeepBest keep("val_accuracy", Goal::maximize);
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, options(3), keep), ValueError,
                        mentions("KeepBest", "'val_accuracy'"));
  BOOST_CHECK_EXCEPTION(EarlyStopping("val_loss", 0), ValueError,
                        mentions("patience must be at least 1"));
}

BOOST_AUTO_TEST_CASE(keep_best_restores_the_best_epochs_parameters) {
  struct Snapshots : Callback {
    std::vector<std::vector<double>> w;
    bool on_epoch_end(const TrainState& s, Metrics&) override {
      w.push_back(s.objective.params[0].value().to_vector());
      return false;
    }
  } snaps;
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  FitOptions o = options(4);
  o.evaluate = scripted({3, 1, 2, 4});
  KeepBest keep;
  fit(sgd, blobs.objective, o, snaps, keep);
  BOOST_TEST(keep.best_epoch() == 2u);
  BOOST_TEST((blobs.w.value().to_vector() == snaps.w[1]));
  BOOST_TEST((blobs.w.value().to_vector() != snaps.w[3]));
}

BOOST_AUTO_TEST_CASE(time_limit_stops_a_slow_run) {
  test::Blobs blobs;
  auto inner = blobs.objective.loss;
  blobs.objective.loss = [inner](const Batch& b) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return inner(b);
  };
  Sgd sgd = momentum_sgd();
  TimeLimit limit(0.03);
  const FitResult r = fit(sgd, blobs.objective, options(100), limit);
  BOOST_TEST(r.stopped_early);
  BOOST_TEST(r.steps < 100u * 8u);
  BOOST_TEST(r.seconds >= 0.03);
  BOOST_TEST(r.stop_reason.find("TimeLimit:") == 0u, r.stop_reason);
  BOOST_TEST(r.stop_reason.find("(limit 0.03 s)") != std::string::npos, r.stop_reason);
  BOOST_CHECK_EXCEPTION(TimeLimit(0), ValueError, mentions("TimeLimit: seconds must be positive"));
}

BOOST_AUTO_TEST_CASE(csv_logger_writes_one_row_per_epoch) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  FitOptions o = options(3);
  o.evaluate = scripted({0.3, 0.2, 0.1});
  const std::string path = temp_path("history.csv");
  CsvLogger csv(path);
  const FitResult r = fit(sgd, blobs.objective, o, csv);
  std::istringstream text(read_all(path));
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(text, line)) lines.push_back(line);
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  BOOST_TEST(lines[0] == "epoch,loss,step_size,val_loss,seconds");
  BOOST_TEST(lines[1].rfind(fmt::format("1,{},0.1,0.3,", r.history[0].get("loss")), 0) == 0u,
             lines[1]);
  BOOST_TEST(lines[3].rfind("3,", 0) == 0u);
  std::filesystem::remove(path);
  CsvLogger bad("/nonexistent-dir/history.csv");
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, o, bad), ValueError,
                        mentions("CsvLogger: cannot open '/nonexistent-dir/history.csv'"));
}

BOOST_AUTO_TEST_CASE(progress_lines_when_not_a_terminal) {
  std::FILE* out = std::tmpfile();
  BOOST_REQUIRE(out);
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  FitOptions o = options(3);
  o.evaluate = scripted({0.5, 0.25, 0.125});
  ProgressBar::Options po;
  po.out = out;  // a file: automatic mode picks plain lines
  ProgressBar bar(po);
  fit(sgd, blobs.objective, o, bar);
  const std::string text = captured(out);
  std::fclose(out);
  BOOST_TEST(text.find('\r') == std::string::npos);
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 3);
  BOOST_TEST(text.find("epoch 1/3  steps 8  loss ") == 0u, text);
  BOOST_TEST(text.find("val_loss 0.125") != std::string::npos, text);
  BOOST_TEST(text.find("steps/s  ETA 0:00\n") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(progress_bar_redraws_in_place) {
  std::FILE* out = std::tmpfile();
  BOOST_REQUIRE(out);
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  ProgressBar::Options po;
  po.out = out;
  po.mode = ProgressBar::Mode::bar;
  po.redraw = 0;  // every step
  ProgressBar bar(po);
  Probe stop;
  stop.stop_at_step = 12;
  fit(sgd, blobs.objective, options(2), bar, stop);
  const std::string text = captured(out);
  std::fclose(out);
  BOOST_TEST(text.find("\repoch 1/2 [===>") != std::string::npos, text);
  BOOST_TEST(text.find("] 8/8  loss ") != std::string::npos, text);
  BOOST_TEST(text.find("\repoch 2/2 [") != std::string::npos, text);
  BOOST_TEST(text.find("ETA ") != std::string::npos, text);
  BOOST_TEST(text.find("stopped: Probe: asked to stop\n") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_runs)

BOOST_AUTO_TEST_CASE(a_nan_loss_names_epoch_and_step) {
  test::Quadratic q;
  auto inner = q.objective.loss;
  auto calls = std::make_shared<int>(0);
  q.objective.loss = [inner, calls](const Batch& b) {
    Variable l = inner(b);
    return ++*calls == 11 ? l * std::nan("") : l;
  };
  q.objective.examples = 8;
  SgdOptions so;
  so.step_size = 0.1;
  Sgd sgd(so);
  BOOST_CHECK_EXCEPTION(
      fit(sgd, q.objective, options(3, 1)), ValueError,
      mentions("fit: the loss became nan at epoch 2 of 3, step 3 of 8 (Sgd, step size 0.1)"));
}

BOOST_AUTO_TEST_CASE(a_diverging_run_stops_with_inf) {
  test::Quadratic q;
  SgdOptions so;
  so.step_size = 10;  // w <- (1 - 10 a) w grows by 29x per step
  GradientDescent gd(so);
  BOOST_CHECK_EXCEPTION(
      fit(gd, q.objective, options(1000, 1)), ValueError,
      mentions("fit: the loss became inf at epoch", "(GradientDescent, step size 10)"));
}

BOOST_AUTO_TEST_CASE(bad_run_options) {
  test::Blobs blobs;
  Sgd sgd = momentum_sgd();
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, options(0)), ValueError,
                        mentions("fit: epochs must be at least 1 (epochs 0)"));
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, options(1, 0)), ValueError,
                        mentions("Sampler: batch_size must be at least 1 (batch_size 0)"));
  BOOST_CHECK_EXCEPTION(fit(sgd, blobs.objective, options(1, 61)), ValueError,
                        mentions("batch_size 61 is larger than the data set (60 examples)"));
  // A full-batch optimizer ignores the batch size.
  GradientDescent gd;
  BOOST_TEST(fit(gd, blobs.objective, options(2, 61)).steps == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
