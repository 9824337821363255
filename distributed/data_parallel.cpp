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
  bool float32 = true;       // every parameter is float32: a shard's gradient is sent as floats
  // Buffers kept between steps: at a million parameters each is 8 MB, which a fresh allocation
  // would fault in page by page on every step.
  std::vector<double> mine, all, root;
  std::vector<std::vector<double>> halves;  // one right half per level of the tree
};

// A tree node as a rank sent it: its loss and values as doubles, or, for a single shard of a
// float32 model (compact), its loss as a double and then its values as floats: exact (they are
// the float gradient itself), at half the bytes. Nodes lie in 8-byte words.
struct Sent {
  const double* at = nullptr;
  bool compact = false;
};

// One call of the objective's loss: the rank's shard sums, the exchange, the ordered combination.
class Evaluation {
 public:
  // Each rank's status: failed, batch size, batch fingerprint, message length, node width,
  // compact shards.
  static constexpr std::size_t kStatus = 6;

  Evaluation(Setup& s, const Batch& batch)
      : s_(s),
        batch_(batch),
        grad_(grad_enabled()),
        width_(1 + (grad_ ? s.params.size() + s.elements : 0)),
        compact_(grad_ && s.float32) {
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
         static_cast<double>(message.size()), static_cast<double>(width_), compact_ ? 1.0 : 0.0});
    check_status(status, message, failure);

    std::vector<std::vector<Range>> nodes(static_cast<std::size_t>(comm.size()));
    std::vector<std::size_t> counts;
    for (int r = 0; r < comm.size(); ++r) {
      auto& n = nodes[static_cast<std::size_t>(r)];
      cover({0, shards_}, block_of(r, comm.size(), shards_), n);
      std::size_t w = 0;
      for (const Range& node : n) w += words(node);
      counts.push_back(w);
    }
    std::vector<double>& all = s_.all;
    comm.allgather(mine, counts, all);
    std::map<Range, Sent> sent;
    const double* at = all.data();
    for (const auto& rank_nodes : nodes)
      for (const Range& n : rank_nodes) {
        sent[n] = {at, is_compact(n)};
        at += words(n);
      }
    // The root's sum is written over the first node sent (the leftmost, from shard 0), which the
    // tree reads first and never again, unless that one is compact (shorter).
    double* sum = all.data();
    if (sent.begin()->second.compact) {
      s_.root.resize(width_);
      sum = s_.root.data();
    }
    combine({0, shards_}, sent, sum, 0);
    return result(sum);
  }

 private:
  // [loss, used..., gradient...] of shard k: its own graph and backward; used[i] is 1 when
  // parameter i got a gradient (summed along the tree like the rest, so every rank knows which
  // parameters no shard used). The parameters' gradients are left empty again.
  // The loss goes to `loss_sum`, the rest to `rest` (doubles, or floats for a compact shard).
  template <class T>
  void shard_sums(std::size_t k, double* loss_sum, T* rest) {
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
    *loss_sum = loss.value().flat(0);
    if (!grad_) return;
    if (loss.requires_grad()) loss.backward();
    T* used = rest;
    T* g = used + s_.params.size();
    for (Variable& p : s_.params) {
      *used++ = p.has_grad() ? T(1) : T(0);
      if (p.has_grad())
        p.grad().visit([g](const auto& a) { std::copy(a.data(), a.data() + a.size(), g); });
      else
        std::fill(g, g + p.size(), T(0));
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
    if (r.second - r.first == 1) return shard_sums(r.first, out, out + 1);
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
    std::size_t n = 0;
    for (const Range& r : nodes) n += words(r);
    out.resize(n);
    try {
      double* at = out.data();
      for (const Range& r : nodes) {
        if (is_compact(r))
          shard_sums(r.first, at, reinterpret_cast<float*>(at + 1));
        else
          node_sums(r, at, 0);
        at += words(r);
      }
    } catch (...) {
      for (Variable& p : params) p.zero_grad();  // a failed shard's partial gradients
      give_back();
      throw;
    }
    give_back();
  }

  // The sum over the tree node `r`: as a rank sent it, or from its two halves. A right half that
  // a rank sent is added from the receive buffer, not copied first.
  void combine(const Range& r, const std::map<Range, Sent>& sent, double* out, std::size_t depth) {
    if (auto it = sent.find(r); it != sent.end()) return load(it->second, out);
    const std::size_t m = split(r);
    combine({r.first, m}, sent, out, depth + 1);
    if (auto it = sent.find({m, r.second}); it != sent.end()) return add(it->second, out);
    double* right = half(depth);
    combine({m, r.second}, sent, right, depth + 1);
    add_into(out, right, width_);
  }

  bool is_compact(const Range& r) const { return compact_ && r.second - r.first == 1; }
  // A node's length in 8-byte words: width_ doubles, or the loss and width_ - 1 floats.
  std::size_t words(const Range& r) const { return is_compact(r) ? 1 + width_ / 2 : width_; }

  void load(const Sent& n, double* out) const {
    if (n.at == out) return;
    if (!n.compact) {
      std::copy(n.at, n.at + width_, out);
      return;
    }
    out[0] = n.at[0];
    const auto* v = reinterpret_cast<const float*>(n.at + 1);
    std::copy(v, v + width_ - 1, out + 1);
  }
  void add(const Sent& n, double* out) const {
    if (!n.compact) return add_into(out, n.at, width_);
    out[0] += n.at[0];
    const auto* v = reinterpret_cast<const float*>(n.at + 1);
    for (std::size_t i = 0; i + 1 < width_; ++i) out[i + 1] += v[i];
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
      if (status[kStatus * r + 5] != status[5])
        throw DistributedError(fmt::format(
            "data_parallel: rank {}'s parameters differ in element type from rank 0's (all "
            "float32: {} against {}); every rank must build the same model",
            r, status[kStatus * r + 5] != 0, status[5] != 0));
      if (status[kStatus * r + 1] != status[1] || status[kStatus * r + 2] != status[2])
        throw DistributedError(fmt::format(
            "data_parallel: rank {} was given another batch than rank 0 ({} examples against {}, "
            "or other indices); give every rank the same batches (the same sampler seed)",
            r, status[kStatus * r + 1], status[1]));
    }
  }

  // The batch's mean loss as a node whose backward gives each parameter its mean gradient, kept
  // in the parameter's element type (the exchange buffers are reused by the next step). A
  // parameter no shard used gets none, as with a plain objective (optimizers then skip it).
  Variable result(double* sum) const {
    const auto b = static_cast<double>(batch_.size());
    const Tensor value = Tensor::scalar(sum[0] / b, s_.params.front().dtype());
    if (!grad_) return Variable(value);
    auto grads = std::make_shared<std::vector<Tensor>>();
    const double* used = sum + 1;
    const double* at = used + s_.params.size();
    for (const Variable& p : s_.params) {
      if (*used++ == 0) {
        grads->emplace_back();
        at += p.size();
        continue;
      }
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
        if (!in[i].requires_grad() || (*grads)[i].empty()) continue;
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
  // One tree node's values: the loss, then (with gradients) a used flag per parameter and the
  // flat gradient.
  std::size_t width_;
  bool compact_;  // single shards are sent as floats
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
  for (const Variable& p : setup->params) {
    setup->elements += p.size();
    setup->float32 = setup->float32 && p.dtype() == Dtype::float32;
  }
  return f;
}

void broadcast_parameters(std::vector<Variable>& params, const Communicator& comm) {
  for (Variable& p : params)
    p.value().visit([&](auto& a) { comm.broadcast(a.data(), a.size() * sizeof(a.data()[0])); });
}

}  // namespace slope::distributed
