// SPDX-License-Identifier: MIT
// The processes of a data-parallel run and the few exchanges it needs, over MPI or, for the
// one-process path, over nothing: the same calls either way.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace slope::distributed {

/// Thrown on every rank when a rank failed inside an exchange (its exception, a disagreement on
/// the batch); names each failed rank and its message. Every rank knows, so every rank can stop.
struct DistributedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  /// This process alone, without MPI (rank 0 of 1).
  static Communicator local();
  /// Every process of the run (MPI_COMM_WORLD). Needs MPI initialised (run() does it); throws
  /// DistributedError otherwise.
  static Communicator world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// True on rank 0 only: the one rank that prints, draws the progress bar and writes files.
  bool prints() const { return rank_ == 0; }

  /// Every rank's `mine`, concatenated in rank order, into `all` on every rank (resized; its
  /// buffer is reused); `counts` (one per rank) are the lengths of every rank's part, which every
  /// rank must know. The values are moved as 8-byte words, bit for bit.
  void allgather(const std::vector<double>& mine, const std::vector<std::size_t>& counts,
                 std::vector<double>& all) const;
  /// Every rank's `n` values (the same n on all ranks), in rank order.
  std::vector<double> allgather_fixed(const std::vector<double>& mine) const;
  /// The same with characters (error messages).
  std::string allgather_text(const std::string& mine, const std::vector<std::size_t>& counts) const;
  /// Rank 0's `bytes` bytes at `data` into every rank's `data`.
  void broadcast(void* data, std::size_t bytes) const;
  /// Ends every process of the run at once (MPI_Abort) with `status`; locally, std::exit.
  [[noreturn]] void abort(int status) const;

 private:
  bool mpi_ = false;
  int rank_ = 0;
  int size_ = 1;
};

/// MPI_Init, `body(world)`, MPI_Finalize; returns body's status. On an exception every rank knows
/// (DistributedError) rank 0 prints it and every rank returns 1. On any other exception the rank
/// prints "slope: rank R: <what>" to stderr and calls MPI_Abort, which stops every rank: the
/// others may be waiting for it in an exchange, and MPI_Finalize would wait for them.
int run(int& argc, char**& argv, const std::function<int(const Communicator&)>& body);

}  // namespace slope::distributed
