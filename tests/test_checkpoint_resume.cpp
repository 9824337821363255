// SPDX-License-Identifier: MIT
// Exact resume across processes: for Sgd with momentum, Adam and L-BFGS, on an MLP with dropout,
// one thread: N epochs, a checkpoint (written by the Checkpoint callback), then a new process
// (checkpoint_resume_main) builds a fresh model and optimizer, loads it and trains M more epochs.
// Its parameters and every step's loss equal those of N + M uninterrupted epochs, bit for bit.
#define BOOST_TEST_MODULE checkpoint_resume
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>

#include "support/checkpoint_run.hpp"
#include "support/checks.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

using namespace slope;
using test::CheckpointRun;
using test::same_bits;

namespace {

constexpr std::size_t kFirst = 2, kTotal = 5;

// Runs the helper; its exit status (-1 when it could not start or died).
int run_helper(std::vector<std::string> args) {
  args.insert(args.begin(), SLOPE_CHECKPOINT_RESUME_MAIN);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

void check_resume(const std::string& kind) {
  test::TempDir dir("resume_" + kind);
  CheckpointRun whole(kind, 1);
  whole.train(0, kTotal, kTotal);

  CheckpointRun first(kind, 1);
  CheckpointOptions o;
  o.every = kFirst;
  Checkpoint saver(dir.path("ckpt"), first.net, o);
  first.train(0, kFirst, kTotal, {&saver});
  BOOST_TEST_REQUIRE(saver.kept().size() == 1u);

  const std::string out = dir.path("resumed.npz");
  BOOST_TEST_REQUIRE(run_helper({kind, saver.kept().back(), std::to_string(kTotal), out}) == 0);
  const NamedTensors resumed = load_npz(out);
  const auto named = whole.net.named_parameters();
  BOOST_TEST_REQUIRE(resumed.size() == named.size() + 2);
  for (std::size_t i = 0; i < named.size(); ++i) {
    BOOST_TEST(resumed[i].first == named[i].first);
    BOOST_TEST(same_bits(resumed[i].second, named[i].second.value()),
               kind << " " << named[i].first);
  }
  BOOST_TEST(resumed[named.size() + 1].second.item() == double(kFirst));
  // Every loss: the first process's N epochs, then the new one's M, against the whole run's.
  std::vector<double> losses = first.losses;
  const std::vector<double> tail = resumed[named.size()].second.to_vector();
  losses.insert(losses.end(), tail.begin(), tail.end());
  BOOST_TEST_REQUIRE(losses.size() == whole.losses.size());
  for (std::size_t i = 0; i < losses.size(); ++i)
    BOOST_TEST(std::memcmp(&losses[i], &whole.losses[i], sizeof(double)) == 0,
               kind << " step " << i << ": " << losses[i] << " vs " << whole.losses[i]);
}

}  // namespace

BOOST_AUTO_TEST_CASE(sgd_with_momentum_resumes_bit_for_bit) { check_resume("sgd"); }
BOOST_AUTO_TEST_CASE(adam_resumes_bit_for_bit) { check_resume("adam"); }
BOOST_AUTO_TEST_CASE(lbfgs_resumes_bit_for_bit) { check_resume("lbfgs"); }
