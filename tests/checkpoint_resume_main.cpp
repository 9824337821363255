// SPDX-License-Identifier: MIT
// The second half of an interrupted run, in a process of its own (test_checkpoint_resume.cpp runs
// it): builds a fresh model and optimizer from another seed, loads the checkpoint, trains to the
// end and writes the final parameters and every step's loss to an .npz.
//
// usage: checkpoint_resume_main KIND CHECKPOINT TOTAL_EPOCHS OUT
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/checkpoint_run.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: checkpoint_resume_main KIND CHECKPOINT TOTAL_EPOCHS OUT\n");
    return 2;
  }
  try {
    slope::test::CheckpointRun run(argv[1], /*model_seed=*/12345);
    const slope::TrainingState state =
        slope::load_checkpoint(argv[2], run.net, run.optimizer.get());
    const std::size_t total = std::strtoul(argv[3], nullptr, 10);
    run.train(state.epoch, total, total);
    std::vector<slope::NpzArray> out;
    for (const auto& [name, p] : run.net.named_parameters()) out.push_back({name, p.value()});
    out.push_back({"losses", slope::Tensor::from_vector(run.losses, {run.losses.size()})});
    out.push_back({"first_epoch",
                   slope::Tensor::scalar(static_cast<double>(state.epoch), slope::Dtype::float64)});
    slope::save_npz(argv[4], out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_resume_main: %s\n", e.what());
    return 1;
  }
  return 0;
}
