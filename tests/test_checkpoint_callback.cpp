// SPDX-License-Identifier: MIT
// The Checkpoint callback: files every N epochs named by the epoch, only the K newest kept, the
// best epoch by a monitored metric in best.npz, and a callback made again on the same directory
// (a resumed run) counting the files already there and the best value already reached.
#define BOOST_TEST_MODULE checkpoint_callback
#include <filesystem>

#include "support/checkpoint_run.hpp"
#include "support/checks.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
using test::CheckpointRun;
using test::mentions;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("checkpoint_callback") {}
};

std::vector<std::string> names(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(std::filesystem::path(p).filename().string());
  return out;
}

// Adds a made-up metric whose best (lowest) value is at epoch 3 of 6.
struct FakeValidation : Callback {
  bool on_epoch_end(const TrainState& s, Metrics& log) override {
    static const double v[] = {5, 4, 1, 2, 3, 2};
    log.set("val_loss", v[s.epoch]);
    return false;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(saves_every_n_epochs_and_keeps_the_newest_k) {
  TempDir dir;
  CheckpointRun run("sgd", 1);
  CheckpointOptions o;
  o.every = 2;
  o.keep_last = 2;
  Checkpoint saver(dir.path("c"), run.net, o);
  run.train(0, 6, 6, {&saver});
  const std::vector<std::string> want = {"epoch-0004.npz", "epoch-0006.npz"};
  BOOST_TEST(names(saver.kept()) == want, boost::test_tools::per_element());
  BOOST_TEST(!std::filesystem::exists(dir.path("c/epoch-0002.npz")));
  const TrainingState s = read_training_state(dir.path("c/epoch-0004.npz"));
  BOOST_TEST(s.epoch == 4u);
  BOOST_TEST(s.iteration == 4 * 3u);  // 48 examples in batches of 16
  BOOST_TEST(s.metrics.has("loss"));
}

BOOST_AUTO_TEST_CASE(keeps_the_best_epoch_by_the_monitored_metric) {
  TempDir dir;
  CheckpointRun run("adam", 1);
  FakeValidation validation;
  CheckpointOptions o;
  o.every = 100;  // no periodic file in this run
  o.monitor = "val_loss";
  Checkpoint saver(dir.path("c"), run.net, o);
  run.train(0, 6, 6, {&validation, &saver});
  BOOST_TEST(saver.best() == 1.0);
  BOOST_TEST(saver.best_epoch() == 3u);
  BOOST_TEST(saver.kept().empty());
  const TrainingState s = read_training_state(saver.best_path());
  BOOST_TEST(s.epoch == 3u);
  BOOST_TEST(s.metrics.get("val_loss") == 1.0);

  // A callback made again on the directory (a resumed run) must beat 1, not start over.
  CheckpointRun later("adam", 1);
  Checkpoint again(dir.path("c"), later.net, o);
  BOOST_TEST(again.best() == 1.0);
  later.train(3, 6, 6, {&validation, &again});  // 2, 3, 2: none beats 1
  BOOST_TEST(read_training_state(again.best_path()).epoch == 3u);
}

BOOST_AUTO_TEST_CASE(a_resumed_run_counts_the_files_already_there) {
  TempDir dir;
  CheckpointOptions o;
  o.keep_last = 3;
  {
    CheckpointRun run("sgd", 1);
    Checkpoint saver(dir.path("c"), run.net, o);
    run.train(0, 2, 5, {&saver});
  }
  CheckpointRun run("sgd", 1);
  Checkpoint saver(dir.path("c"), run.net, o);
  BOOST_TEST(saver.kept().size() == 2u);
  run.train(2, 5, 5, {&saver});
  const std::vector<std::string> want = {"epoch-0003.npz", "epoch-0004.npz", "epoch-0005.npz"};
  BOOST_TEST(names(saver.kept()) == want, boost::test_tools::per_element());
  BOOST_TEST(!std::filesystem::exists(dir.path("c/epoch-0001.npz")));
}

BOOST_AUTO_TEST_CASE(bad_options_and_missing_metrics_are_refused) {
  TempDir dir;
  CheckpointRun run("sgd", 1);
  CheckpointOptions zero;
  zero.every = 0;
  BOOST_CHECK_EXCEPTION(Checkpoint(dir.path("c"), run.net, zero), ValueError,
                        mentions("Checkpoint", "every"));
  CheckpointOptions watch;
  watch.monitor = "val_accuracy";
  Checkpoint saver(dir.path("c"), run.net, watch);
  BOOST_CHECK_EXCEPTION(run.train(0, 1, 1, {&saver}), ValueError,
                        mentions("Checkpoint", "'val_accuracy'", "loss"));
}
