// SPDX-License-Identifier: MIT
// Checkpoints of a model, its optimizer and its run: a round trip restores all of it bit for bit;
// a truncated or corrupted file, a missing or extra parameter, another shape or element type, or
// an optimizer state that does not fit is refused naming the file and the parameter, and leaves
// the model, its generators and the optimizer as they were; a save killed midway leaves the old
// checkpoint loadable. (test_checkpoint_resume.cpp resumes runs in a new process.)
#define BOOST_TEST_MODULE checkpoint
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/checkpoint_run.hpp"
#include "support/checks.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
using test::CheckpointRun;
using test::kill_during_write;
using test::KilledWrite;
using test::mentions;
using test::same_bits;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("checkpoint") {}
};

bool same_state(const OptimizerState& a, const OptimizerState& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !same_bits(a[i].second, b[i].second)) return false;
  return true;
}

// Everything a load may change.
struct Snapshot {
  OptimizerState params, optimizer;
  std::vector<std::pair<std::string, std::string>> rngs;
  explicit Snapshot(const CheckpointRun& run)
      : optimizer(run.optimizer->state()), rngs(run.net.named_rng_states()) {
    for (const auto& [name, p] : run.net.named_parameters()) params.emplace_back(name, p.value());
  }
  bool operator==(const Snapshot& o) const {
    return same_state(params, o.params) && same_state(optimizer, o.optimizer) && rngs == o.rngs;
  }
};

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A run trained for two epochs and saved to `path`.
std::unique_ptr<CheckpointRun> saved_run(const std::string& kind, const std::string& path) {
  auto run = std::make_unique<CheckpointRun>(kind, 1);
  run->train(0, 2, 4);
  save_checkpoint(path, run->net, run->optimizer.get(), {2, run->losses.size(), {}});
  return run;
}

// A fresh run with its own weights and generator, one epoch in (so its optimizer has state).
std::unique_ptr<CheckpointRun> other_run(const std::string& kind) {
  auto run = std::make_unique<CheckpointRun>(kind, 99);
  run->train(0, 1, 4);
  return run;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_round_trip_restores_parameters_optimizer_generators_and_run) {
  TempDir dir;
  for (const std::string kind : {"sgd", "adam", "lbfgs"}) {
    const std::string path = dir.path(kind + ".npz");
    const auto saved = saved_run(kind, path);
    const auto loaded = other_run(kind);
    BOOST_TEST(!(Snapshot(*saved) == Snapshot(*loaded)));
    const TrainingState state = load_checkpoint(path, loaded->net, loaded->optimizer.get());
    BOOST_TEST(state.epoch == 2u);
    BOOST_TEST(state.iteration == saved->losses.size());
    BOOST_TEST((Snapshot(*saved) == Snapshot(*loaded)), kind);
  }
}

BOOST_AUTO_TEST_CASE(entries_are_named_as_documented) {
  TempDir dir;
  const std::string path = dir.path("c.npz");
  const auto run = saved_run("adam", path);
  std::vector<std::string> keys;
  for (const auto& [key, t] : load_npz(path)) keys.push_back(key);
  for (const std::string want : {"0.weight", "0.bias", "3.weight", "3.bias", "state/epoch",
                                 "state/iteration", "state/rng/2"})
    BOOST_TEST((std::find(keys.begin(), keys.end(), want) != keys.end()), want);
  for (const auto& [name, t] : run->optimizer->state())
    BOOST_TEST((std::find(keys.begin(), keys.end(), "optim/" + name) != keys.end()), name);
}

BOOST_AUTO_TEST_CASE(a_truncated_file_is_refused_and_changes_nothing) {
  TempDir dir;
  const std::string path = dir.path("c.npz"), cut = dir.path("cut.npz");
  saved_run("sgd", path);
  const std::string bytes = file_bytes(path);
  const auto run = other_run("sgd");
  const Snapshot before(*run);
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{30}, bytes.size() / 2, bytes.size() - 1}) {
    write_bytes(cut, bytes.substr(0, n));
    BOOST_CHECK_EXCEPTION(load_checkpoint(cut, run->net, run->optimizer.get()), ValueError,
                          mentions("load_checkpoint", "cut.npz"));
    BOOST_TEST((Snapshot(*run) == before));
  }
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_fails_the_crc_naming_the_parameter) {
  TempDir dir;
  const std::string path = dir.path("c.npz"), bad = dir.path("flipped.npz");
  const auto saved = saved_run("sgd", path);
  std::string bytes = file_bytes(path);
  // The bytes of 3.weight's values, stored as they are.
  const Tensor& w = saved->net.named_parameters()[2].second.value();
  BOOST_TEST_REQUIRE(saved->net.named_parameters()[2].first == "3.weight");
  const std::string raw(reinterpret_cast<const char*>(w.data<float>()), w.size() * sizeof(float));
  const std::size_t at = bytes.find(raw);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  bytes[at + 5] = static_cast<char>(bytes[at + 5] ^ 0x10);
  write_bytes(bad, bytes);
  const auto run = other_run("sgd");
  const Snapshot before(*run);
  BOOST_CHECK_EXCEPTION(load_checkpoint(bad, run->net, run->optimizer.get()), ValueError,
                        mentions("flipped.npz", "3.weight", "CRC"));
  BOOST_TEST((Snapshot(*run) == before));
}

BOOST_AUTO_TEST_CASE(another_shape_or_element_type_is_refused_naming_the_parameter) {
  TempDir dir;
  const std::string path = dir.path("c.npz");
  saved_run("sgd", path);
  {
    nn::Sequential wide;
    wide.emplace<nn::Linear>(6, 13);
    wide.emplace<nn::ReLU>();
    wide.emplace<nn::Dropout>(0.25);
    wide.emplace<nn::Linear>(13, 3);
    const auto before = wide.named_parameters()[0].second.value().to_vector();
    BOOST_CHECK_EXCEPTION(load_checkpoint(path, wide), ShapeError,
                          mentions("c.npz", "'0.weight'", "(6, 12)", "(6, 13)"));
    BOOST_TEST(wide.named_parameters()[0].second.value().to_vector() == before,
               boost::test_tools::per_element());
  }
  {
    nn::Sequential f64;
    nn::LinearOptions o;
    o.dtype = Dtype::float64;
    f64.emplace<nn::Linear>(6, 12, o);
    f64.emplace<nn::ReLU>();
    f64.emplace<nn::Dropout>(0.25);
    f64.emplace<nn::Linear>(12, 3, o);
    const auto before = f64.named_parameters()[3].second.value().to_vector();
    BOOST_CHECK_EXCEPTION(load_checkpoint(path, f64), TypeError,
                          mentions("c.npz", "'0.weight'", "float32", "float64"));
    BOOST_TEST(f64.named_parameters()[3].second.value().to_vector() == before,
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(a_missing_or_extra_parameter_is_refused_naming_it) {
  TempDir dir;
  const std::string with_bias = dir.path("with_bias.npz"), without = dir.path("without.npz");
  auto make = [](bool bias) {
    auto net = std::make_unique<nn::Sequential>();
    net->emplace<nn::Linear>(6, 12);
    net->emplace<nn::Linear>(12, 3, bias);
    return net;
  };
  save_checkpoint(with_bias, *make(true));
  save_checkpoint(without, *make(false));
  auto biased = make(true), unbiased = make(false);
  const auto b_before = biased->named_parameters()[3].second.value().to_vector();
  const auto w_before = unbiased->named_parameters()[0].second.value().to_vector();
  BOOST_CHECK_EXCEPTION(load_checkpoint(without, *biased), ValueError,
                        mentions("without.npz", "has no parameter '1.bias'"));
  BOOST_CHECK_EXCEPTION(load_checkpoint(with_bias, *unbiased), ValueError,
                        mentions("with_bias.npz", "'1.bias'", "the model does not have"));
  BOOST_TEST(biased->named_parameters()[3].second.value().to_vector() == b_before,
             boost::test_tools::per_element());
  BOOST_TEST(unbiased->named_parameters()[0].second.value().to_vector() == w_before,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_optimizer_state_that_does_not_fit_changes_nothing) {
  TempDir dir;
  const std::string path = dir.path("sgd.npz");
  saved_run("sgd", path);
  const auto run = other_run("adam");  // its generator and weights differ from the file's
  const Snapshot before(*run);
  BOOST_CHECK_EXCEPTION(load_checkpoint(path, run->net, run->optimizer.get()), ValueError,
                        mentions("load_checkpoint", "sgd.npz", "Adam"));
  BOOST_TEST((Snapshot(*run) == before));  // the generator set first was put back
}

BOOST_AUTO_TEST_CASE(a_file_without_run_state_loads_as_weights_only) {
  TempDir dir;
  const std::string path = dir.path("weights.npz");
  const auto saved = saved_run("sgd", dir.path("c.npz"));
  std::vector<NpzArray> arrays;
  for (const auto& [name, p] : saved->net.named_parameters()) arrays.push_back({name, p.value()});
  save_npz(path, arrays);
  const auto run = other_run("sgd");
  BOOST_CHECK_EXCEPTION(load_checkpoint(path, run->net), ValueError,
                        mentions("weights.npz", "state/epoch"));
  load_weights(path, run->net);
  for (std::size_t i = 0; i < arrays.size(); ++i)
    BOOST_TEST(same_bits(run->net.named_parameters()[i].second.value(), arrays[i].value));
}

BOOST_AUTO_TEST_CASE(reserved_prefixes_are_refused_as_parameter_names) {
  TempDir dir;
  const Variable p(Tensor::zeros({2}, Dtype::float32), true);
  BOOST_CHECK_EXCEPTION(save_checkpoint(dir.path("r.npz"), {{"optim/x", p}}), ValueError,
                        mentions("r.npz", "'optim/x'", "reserved"));
  BOOST_TEST(!std::filesystem::exists(dir.path("r.npz")));
}

BOOST_AUTO_TEST_CASE(a_save_killed_midway_leaves_the_previous_checkpoint_loadable) {
  TempDir dir;
  const std::string path = dir.path("run.npz"), marker = dir.path("paused");
  const auto saved = saved_run("adam", path);
  const Snapshot at_save(*saved);
  const KilledWrite child = kill_during_write(
      marker, [&] { saved->train(2, 3, 4); },
      [&] {
        save_checkpoint(path, saved->net, saved->optimizer.get(), {3, saved->losses.size(), {}});
      });
  BOOST_TEST_REQUIRE(child.paused);
  BOOST_TEST(child.killed);

  const auto run = other_run("adam");
  const TrainingState state = load_checkpoint(path, run->net, run->optimizer.get());
  BOOST_TEST(state.epoch == 2u);
  BOOST_TEST((Snapshot(*run) == at_save));
}
