// SPDX-License-Identifier: MIT
// dp_resume: a checkpoint written by a data-parallel run resumes under another number of
// processes, bit for bit. Trains a small MLP (an nn::Sequential) through data_parallel with fit()
// and the Checkpoint callback (on rank 0 only), and prints a hash of the final parameters' bytes,
// the same on every rank or the program fails. tests/distributed/cross_resume.cmake runs:
//   dp_resume [--local] KIND full N              N epochs uninterrupted
//   dp_resume [--local] KIND train DIR K N       epochs 0..K-1 of N, checkpoints into DIR
//   dp_resume [--local] KIND resume FILE N       loads FILE on every rank, trains to epoch N
// under `mpirun -np P` or, with --local, in this process alone without MPI. KIND: sgd (momentum)
// or adam.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <slope/distributed/distributed.hpp>
#include <slope/slope.hpp>

namespace {

using namespace slope;
namespace dist = slope::distributed;

struct Args {
  std::string kind, mode, path;
  std::size_t stop = 0, epochs = 0;
};

std::uint64_t hash_bytes(const std::vector<Variable>& params) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const Variable& p : params) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(p.value().data<float>());
    for (std::size_t i = 0; i < p.size() * sizeof(float); ++i)
      h = (h ^ bytes[i]) * 1099511628211ULL;
  }
  return h;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& kind) {
  if (kind == "sgd") {
    SgdOptions o;
    o.step_size = 0.1;
    o.momentum = 0.9;
    return std::make_unique<Sgd>(o);
  }
  if (kind == "adam") {
    AdamOptions o;
    o.step_size = 0.01;
    return std::make_unique<Adam>(o);
  }
  throw ValueError("dp_resume: KIND must be sgd or adam, got '" + kind + "'");
}

// Stops fit() after epoch `stop` - 1 (after the checkpoint of that epoch is written).
struct StopAfter : Callback {
  std::size_t stop;
  explicit StopAfter(std::size_t s) : stop(s) {}
  bool on_epoch_end(const TrainState& s, Metrics& /*log*/) override { return s.epoch + 1 >= stop; }
};

int body(const Args& a, const dist::Communicator& comm) {
  const Dataset data = gaussian_blobs(130, 6, 3, 7, 8);
  const Variable x(data.x);
  RowGather rows(x, data.y);
  // Every rank draws its own initialisation; rank 0's is broadcast (a resumed run's is replaced
  // by the checkpoint's on every rank).
  nn::manual_seed(100 + static_cast<std::uint64_t>(comm.rank()));
  nn::Sequential net;
  net.emplace<nn::Linear>(6, 16);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(16, 3);
  std::vector<Variable> params = net.parameters();
  dist::broadcast_parameters(params, comm);
  std::unique_ptr<Optimizer> opt = make_optimizer(a.kind);
  FitOptions o;
  o.batch_size = 40;  // shards of 8: 5 per batch, the last batch of 10 is 2
  o.epochs = a.epochs;
  o.seed = 5;
  if (a.mode == "resume") {
    const TrainingState state = load_checkpoint(a.path, net, opt.get());
    o.initial_epoch = state.epoch;
    o.initial_iteration = state.iteration;
  }
  Objective f =
      dist::data_parallel(params,
                          [&](const Batch& shard) {
                            return softmax_cross_entropy(net(rows.x(shard.indices)),
                                                         rows.y(shard.indices), Reduction::sum);
                          },
                          data.size(), comm, {8});
  std::unique_ptr<Checkpoint> checkpoint;
  StopAfter stop(a.mode == "train" ? a.stop : a.epochs);
  std::vector<Callback*> callbacks;
  if (a.mode == "train" && comm.prints()) {  // only rank 0 writes
    CheckpointOptions co;
    co.keep_last = 0;
    checkpoint = std::make_unique<Checkpoint>(a.path, net, co);
    callbacks.push_back(checkpoint.get());
  }
  callbacks.push_back(&stop);
  fit(*opt, f, o, callbacks);
  // Every rank's hash, as two exact 32-bit halves, so that rank 0 sees whether they all agree.
  const std::uint64_t h = hash_bytes(params);
  const std::vector<double> all =
      comm.allgather_fixed({static_cast<double>(h >> 32), static_cast<double>(h & 0xffffffffULL)});
  bool same = true;
  for (std::size_t r = 2; r < all.size(); r += 2)
    same = same && all[r] == all[0] && all[r + 1] == all[1];
  if (comm.prints())
    std::printf("dp_resume: %s %s on %d process%s: parameters %016llx%s\n", a.kind.c_str(),
                a.mode.c_str(), comm.size(), comm.size() == 1 ? "" : "es",
                static_cast<unsigned long long>(h), same ? "" : "; the ranks DIFFER");
  return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> w(argv + 1, argv + argc);
  const bool local = !w.empty() && w[0] == "--local";
  if (local) w.erase(w.begin());
  Args a;
  const bool ok = (w.size() == 3 && w[1] == "full") || (w.size() == 5 && w[1] == "train") ||
                  (w.size() == 4 && w[1] == "resume");
  if (!ok) {
    std::fprintf(stderr,
                 "usage: dp_resume [--local] KIND full N | KIND train DIR K N | "
                 "KIND resume FILE N\n");
    return 2;
  }
  a.kind = w[0];
  a.mode = w[1];
  a.epochs = std::strtoul(w.back().c_str(), nullptr, 10);
  if (a.mode != "full") a.path = w[2];
  if (a.mode == "train") a.stop = std::strtoul(w[3].c_str(), nullptr, 10);
  if (local) {
    try {
      return body(a, dist::Communicator::local());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dp_resume: %s\n", e.what());
      return 1;
    }
  }
  return dist::run(argc, argv, [&](const dist::Communicator& world) { return body(a, world); });
}
