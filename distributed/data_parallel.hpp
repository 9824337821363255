// SPDX-License-Identifier: MIT
// Deterministic data parallelism: an Objective whose loss on a batch is computed in fixed shards
// spread over the ranks and combined in an order fixed by the shards alone, so that 1, 2 or N
// processes give bitwise the same loss, gradients and parameters (docs/distributed.md).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "../graph/variable.hpp"
#include "../optim/objective.hpp"
#include "communicator.hpp"

namespace slope::distributed {

struct DataParallelOptions {
  /// Examples per shard (the last shard of a batch may be smaller). The cut, and so every bit of
  /// the result, depends on the batch and this size only, never on the number of processes; a
  /// batch of B examples has ceil(B / shard_size) shards, at least as many as there are ranks
  /// to keep every rank busy.
  std::size_t shard_size = 64;
};

/// The SUM (not the mean) of the per-example losses of a shard's examples, as a one-element
/// Variable of the parameters (e.g. softmax_cross_entropy(scores, y, Reduction::sum)).
using ShardLoss = std::function<Variable(const Batch& shard)>;

/// An Objective for any optimizer and fit(): loss(batch) is the mean loss over the batch and its
/// backward() gives every parameter the mean gradient, except that a parameter no shard on any
/// rank used keeps an empty gradient (as with a plain objective; every rank agrees). Each rank
/// computes the sums of its own shards (a graph and a backward per shard), the ranks exchange them,
/// and every rank adds them in the same fixed tree over the shards and divides by the batch size
/// once. Under a NoGradGuard only the losses are exchanged. Every rank must call loss with the same
/// batch (the same sampler seed). When a shard's loss throws, every rank throws DistributedError
/// naming the rank and its message at the same exchange (one process alone rethrows the exception
/// itself). Throws ValueError for shard_size 0, no parameters or zero examples.
Objective data_parallel(std::vector<Variable> params, ShardLoss sum_loss, std::size_t examples,
                        const Communicator& comm, DataParallelOptions options = {});

/// Rank 0's parameter values into every rank's parameters (in place), so that every rank starts
/// from the same point whatever its own initialisation drew.
void broadcast_parameters(std::vector<Variable>& params, const Communicator& comm);

}  // namespace slope::distributed
