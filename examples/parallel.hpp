// SPDX-License-Identifier: MIT
// An example's --distributed flag: the program trains alone, or, run by `mpirun -np N prog
// --distributed`, as one rank of a data-parallel run (slope::distributed, docs/distributed.md)
// whose result is bitwise the same for any N. Examples built with SLOPE_EXAMPLES_WITH_MPI link
// slope::distributed; without it the flag is an error naming it.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <slope/slope.hpp>
#ifdef SLOPE_EXAMPLES_WITH_MPI
#include <slope/distributed/distributed.hpp>
#endif

namespace slope::examples {

/// The help text of --distributed.
inline constexpr const char* kDistributedHelp =
    "train data-parallel over the processes of `mpirun -np N` (same global batch, bitwise the "
    "same result for any N; only rank 0 prints and writes files)";

/// This process's part in the run: alone (rank 0 of 1), or one rank of a data-parallel run.
class Parallel {
 public:
  Parallel() = default;
#ifdef SLOPE_EXAMPLES_WITH_MPI
  explicit Parallel(const slope::distributed::Communicator& comm)
      : comm_(&comm), distributed_(true), rank_(comm.rank()), size_(comm.size()) {}
#endif
  bool distributed() const { return distributed_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// True on the one process that prints, draws the progress bar and writes files.
  bool prints() const { return rank_ == 0; }

  /// Alone: the objective of `mean_loss`. Distributed: data_parallel over shards of `shard_size`
  /// examples, each rank adding `sum_loss` (the SUM over a shard's examples) of its own shards.
  Objective objective(std::vector<Variable> params, std::function<Variable(const Batch&)> mean_loss,
                      std::function<Variable(const Batch&)> sum_loss, std::size_t examples,
                      std::size_t shard_size) const {
#ifdef SLOPE_EXAMPLES_WITH_MPI
    if (comm_)
      return slope::distributed::data_parallel(std::move(params), std::move(sum_loss), examples,
                                               *comm_, {shard_size});
#else
    (void)sum_loss;
    (void)shard_size;
#endif
    return Objective{std::move(params), std::move(mean_loss), examples};
  }

  /// Rank 0's parameter values on every rank (nothing to do alone).
  void broadcast(std::vector<Variable>& params) const {
#ifdef SLOPE_EXAMPLES_WITH_MPI
    if (comm_) slope::distributed::broadcast_parameters(params, *comm_);
#else
    (void)params;
#endif
  }

 private:
#ifdef SLOPE_EXAMPLES_WITH_MPI
  const slope::distributed::Communicator* comm_ = nullptr;
#endif
  bool distributed_ = false;
  int rank_ = 0, size_ = 1;
};

/// Runs `body` alone, or with `distributed` inside MPI (slope::distributed::run) as one rank of
/// every process mpirun started. An exception is printed as "<program>: <what>" and gives 2; under
/// MPI an error that only some ranks know ends every rank (MPI_Abort) so that none waits forever.
/// Without MPI in the build, `distributed` is an error naming --distributed (2).
inline int run_parallel(const char* program, bool distributed, int argc, char** argv,
                        const std::function<int(const Parallel&)>& body) {
  if (!distributed) {
    try {
      return body(Parallel());
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: {}\n", program, e.what());
      return 2;
    }
  }
#ifdef SLOPE_EXAMPLES_WITH_MPI
  return slope::distributed::run(argc, argv, [&](const slope::distributed::Communicator& comm) {
    // Only rank 0 prints: the others' standard output goes nowhere (errors still show).
    if (!comm.prints() && std::freopen("/dev/null", "w", stdout) == nullptr)
      throw std::runtime_error("cannot send standard output to /dev/null");
    try {
      return body(Parallel(comm));
    } catch (const slope::distributed::DistributedError&) {
      throw;  // every rank has it: run() prints it once and every rank ends with 1
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: rank {} of {}: {}\n", program, comm.rank(), comm.size(), e.what());
      comm.abort(2);
    }
  });
#else
  (void)argc;
  (void)argv;
  fmt::print(stderr,
             "{}: --distributed: slope was built without MPI (configure with libopenmpi-dev "
             "installed, or -DSLOPE_WITH_MPI=ON)\n",
             program);
  return 2;
#endif
}

}  // namespace slope::examples
