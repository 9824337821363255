// SPDX-License-Identifier: MIT
#include "data_parallel.hpp"

#include <exception>
#include <map>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::distributed {

namespace {

using Range = std::pair<std::size_t, std::size_t>;  // shards [first, second)

// The one summation tree over a batch's shards: [lo, hi) is the sum of [lo, m) and [m, hi), m = lo
// plus the largest power of two below hi - lo. Every rank and the one-process path add along it.
std::size_t split(const Range& r) {
  std::size_t p = 1;
  while (2 * p < r.second - r.first) p *= 2;
  return r.first + p;
}

// The tree's nodes that exactly tile `block`, left to right: what the rank owning it sends.
void cover(const Range& node, const Range& block, std::vector<Range>& out) {
  if (block.second <= node.first || node.second <= block.first) return;
  if (block.first <= node.first && node.second <= block.second) {
    out.push_back(node);
    return;
  }
  const std::size_t m = split(node);
  cover({node.first, m}, block, out);
  cover({m, node.second}, block, out);
}

// Rank r's shards: a contiguous block, the blocks of all ranks in rank order.
Range block_of(int rank, int size, std::size_t shards) {
  const auto r = static_cast<std::size_t>(rank), n = static_cast<std::size_t>(size);
  return {r * shards / n, (r + 1) * shards / n};
}

void add_into(double* a, const double* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a[i] += b[i];
}

// A fingerprint of the batch (52 bits, exact in a double), to catch ranks given different ones.
double batch_fingerprint(const Batch& b) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t i : b) h = (h ^ i) * 1099511628211ULL;
  return static_cast<double>(h & ((std::uint64_t{1} << 52) - 1));
}

struct Setup {
  std::vector<Variable> params;
  ShardLoss sum_loss;
  Communicator comm;
  std::size_t shard_size;
  std::size_t elements = 0;  // all parameters' elements: one flat gradient
  // Buffers kept between steps: at a million parameters each is 8 MB, which a fresh allocation
  // would fault in page by page on every step.
  std::vector<double> mine, all;
  std::vector<std::vector<double>> halves;  // one right half per level of the tree
};

// One call of the objective's loss: the rank's shard sums, the exchange, the ordered combination.
class Evaluation {
 public:
  // Each rank's status: failed, batch size, batch fingerprint, message length, node width.
  static constexpr std::size_t kStatus = 5;

  Evaluation(Setup& s, const Batch& batch)
      : s_(s), batch_(batch), grad_(grad_enabled()), width_(1 + (grad_ ? s.elements : 0)) {
    shards_ = (batch.size() + s.shard_size - 1) / s.shard_size;
  }

  Variable run() {
    const Communicator& comm = s_.comm;
    std::vector<double>& mine = s_.mine;
    std::exception_ptr failure;
    std::string message;
    try {
      if (batch_.size() == 0) throw ValueError("data_parallel: the batch is empty");
      own_sums(mine);
    } catch (const std::exception& e) {
      failure = std::current_exception();
      message = e.what();
    }
    // The status goes first, so that a rank that failed stops every rank here instead of leaving
    // them waiting for its gradients.
    const std::vector<double> status = comm.allgather_fixed(
        {failure ? 1.0 : 0.0, static_cast<double>(batch_.size()), batch_fingerprint(batch_),
         static_cast<double>(message.size()), static_cast<double>(width_)});
    check_status(status, message, failure);

    std::vector<std::vector<Range>> nodes(static_cast<std::size_t>(comm.size()));
    std::vector<std::size_t> counts;
    for (int r = 0; r < comm.size(); ++r) {
      auto& n = nodes[static_cast<std::size_t>(r)];
      cover({0, shards_}, block_of(r, comm.size(), shards_), n);
      counts.push_back(n.size() * width_);
    }
    std::vector<double>& all = s_.all;
    comm.allgather(mine, counts, all);
    std::map<Range, const double*> sent;
    const double* at = all.data();
    for (const auto& rank_nodes : nodes)
      for (const Range& n : rank_nodes) {
        sent[n] = at;
        at += width_;
      }
    // The root's sum is written over the first node sent (the leftmost, from shard 0), which the
    // tree reads first and never again.
    double* sum = all.data();
    combine({0, shards_}, sent, sum, 0);
    return result(sum);
  }

 private:
  // [loss, gradient...] of shard k: its own graph and backward; the parameters' gradients are
  // left empty again.
  void shard_sums(std::size_t k, double* out) {
    Batch shard;
    const std::size_t lo = k * s_.shard_size, hi = std::min(batch_.size(), lo + s_.shard_size);
    shard.indices.assign(batch_.indices.begin() + static_cast<std::ptrdiff_t>(lo),
                         batch_.indices.begin() + static_cast<std::ptrdiff_t>(hi));
    shard.whole = batch_.whole && shards_ == 1;
    Variable loss = s_.sum_loss(shard);
    if (!loss.defined() || loss.size() != 1)
      throw ValueError(
          fmt::format("data_parallel: the shard loss must be a single value, got shape {}",
                      loss.defined() ? shape_str(loss.shape()) : "null"));
    out[0] = loss.value().flat(0);
    if (!grad_) return;
    if (loss.requires_grad()) loss.backward();
    double* g = out + 1;
    for (Variable& p : s_.params) {
      if (p.has_grad())
        p.grad().visit([g](const auto& a) { std::copy(a.data(), a.data() + a.size(), g); });
      else
        std::fill(g, g + p.size(), 0.0);
      g += p.size();
      p.zero_grad();
    }
  }

  // The right half's buffer at `depth` in the tree.
  double* half(std::size_t depth) {
    if (s_.halves.size() <= depth) s_.halves.resize(depth + 1);
    s_.halves[depth].resize(width_);
    return s_.halves[depth].data();
  }

  // The sum over the tree node `r`, computed here.
  void node_sums(const Range& r, double* out, std::size_t depth) {
    if (r.second - r.first == 1) return shard_sums(r.first, out);
    const std::size_t m = split(r);
    node_sums({r.first, m}, out, depth + 1);
    double* right = half(depth);
    node_sums({m, r.second}, right, depth + 1);
    add_into(out, right, width_);
  }

  // This rank's tree nodes, one after another; the parameters' gradients are kept aside meanwhile.
  void own_sums(std::vector<double>& out) {
    auto& params = s_.params;
    std::vector<Tensor> kept(params.size());
    for (std::size_t i = 0; i < params.size(); ++i)
      if (params[i].has_grad()) {
        kept[i] = std::move(params[i].grad());
        params[i].zero_grad();
      }
    auto give_back = [&] {
      for (std::size_t i = 0; i < params.size(); ++i)
        if (!kept[i].empty()) params[i].grad() = std::move(kept[i]);
    };
    std::vector<Range> nodes;
    cover({0, shards_}, block_of(s_.comm.rank(), s_.comm.size(), shards_), nodes);
    out.resize(nodes.size() * width_);
    try {
      for (std::size_t i = 0; i < nodes.size(); ++i)
        node_sums(nodes[i], out.data() + i * width_, 0);
    } catch (...) {
      for (Variable& p : params) p.zero_grad();  // a failed shard's partial gradients
      give_back();
      throw;
    }
    give_back();
  }

  // The sum over the tree node `r`: as a rank sent it, or from its two halves.
  void combine(const Range& r, const std::map<Range, const double*>& sent, double* out,
               std::size_t depth) {
    if (auto it = sent.find(r); it != sent.end()) {
      if (it->second != out) std::copy(it->second, it->second + width_, out);
      return;
    }
    const std::size_t m = split(r);
    combine({r.first, m}, sent, out, depth + 1);
    double* right = half(depth);
    combine({m, r.second}, sent, right, depth + 1);
    add_into(out, right, width_);
  }

  void check_status(const std::vector<double>& status, const std::string& message,
                    const std::exception_ptr& failure) const {
    const Communicator& comm = s_.comm;
    const auto ranks = static_cast<std::size_t>(comm.size());
    std::vector<std::size_t> lengths(ranks);
    bool any_failed = false;
    for (std::size_t r = 0; r < ranks; ++r) {
      any_failed = any_failed || status[kStatus * r] != 0;
      lengths[r] = static_cast<std::size_t>(status[kStatus * r + 3]);
    }
    if (any_failed) {
      const std::string texts = comm.allgather_text(message, lengths);
      // Alone, the error keeps its type; among several ranks, every rank throws the same error,
      // so every rank stops the same way (run() ends each cleanly).
      if (failure && ranks == 1) std::rethrow_exception(failure);
      std::string what = "data_parallel:";
      std::size_t at = 0;
      for (std::size_t r = 0; r < ranks; ++r) {
        if (status[kStatus * r] != 0)
          what += fmt::format(" rank {} of {} failed: {};", r, ranks, texts.substr(at, lengths[r]));
        at += lengths[r];
      }
      what.pop_back();
      throw DistributedError(what);
    }
    for (std::size_t r = 1; r < ranks; ++r) {
      if (status[kStatus * r + 4] != status[4])
        throw DistributedError(fmt::format(
            "data_parallel: rank {} {} gradients and rank 0 {}: every rank must evaluate the loss "
            "the same way (inside a NoGradGuard or not)",
            r, status[kStatus * r + 4] > 1 ? "wants" : "does not want",
            status[4] > 1 ? "does" : "does not"));
      if (status[kStatus * r + 1] != status[1] || status[kStatus * r + 2] != status[2])
        throw DistributedError(fmt::format(
            "data_parallel: rank {} was given another batch than rank 0 ({} examples against {}, "
            "or other indices); give every rank the same batches (the same sampler seed)",
            r, status[kStatus * r + 1], status[1]));
    }
  }

  // The batch's mean loss as a node whose backward gives each parameter its mean gradient, kept
  // in the parameter's element type (the exchange buffers are reused by the next step).
  Variable result(double* sum) const {
    const auto b = static_cast<double>(batch_.size());
    const Tensor value = Tensor::scalar(sum[0] / b, s_.params.front().dtype());
    if (!grad_) return Variable(value);
    auto grads = std::make_shared<std::vector<Tensor>>();
    const double* at = sum + 1;
    for (const Variable& p : s_.params) {
      Tensor t = Tensor::zeros(p.shape(), p.dtype());
      t.visit([&](auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<T>(at[i] / b);
      });
      grads->push_back(std::move(t));
      at += p.size();
    }
    return make_node("data_parallel", value, s_.params, [grads](const Tensor& g, Inputs& in) {
      const double seed = g.flat(0);
      for (std::size_t i = 0; i < in.size(); ++i) {
        if (!in[i].requires_grad()) continue;
        if (seed == 1) {
          in[i].add_grad((*grads)[i]);
          continue;
        }
        Tensor t = (*grads)[i];
        t.visit([seed](auto& a) {
          using T = typename std::decay_t<decltype(a)>::value_type;
          for (std::size_t k = 0; k < a.size(); ++k) a.data()[k] *= static_cast<T>(seed);
        });
        in[i].add_grad(std::move(t));
      }
    });
  }

  Setup& s_;
  const Batch& batch_;
  bool grad_;
  std::size_t width_;  // one tree node's values: the loss, then (with gradients) the gradient
  std::size_t shards_ = 0;
};

}  // namespace

Objective data_parallel(std::vector<Variable> params, ShardLoss sum_loss, std::size_t examples,
                        const Communicator& comm, DataParallelOptions options) {
  if (options.shard_size == 0) throw ValueError("data_parallel: shard_size must be >= 1, got 0");
  if (!sum_loss) throw ValueError("data_parallel: the shard loss function is empty");
  auto setup = std::make_shared<Setup>();
  setup->params = params;
  setup->sum_loss = std::move(sum_loss);
  setup->comm = comm;
  setup->shard_size = options.shard_size;
  Objective f;
  f.params = std::move(params);
  f.examples = examples;
  f.loss = [setup](const Batch& batch) { return Evaluation(*setup, batch).run(); };
  check_objective("data_parallel", f, false);
  for (const Variable& p : setup->params) setup->elements += p.size();
  return f;
}

void broadcast_parameters(std::vector<Variable>& params, const Communicator& comm) {
  for (Variable& p : params)
    p.value().visit([&](auto& a) { comm.broadcast(a.data(), a.size() * sizeof(a.data()[0])); });
}

}  // namespace slope::distributed
