// SPDX-License-Identifier: MIT
// dp_check: trains a small MLP through slope::distributed::data_parallel with Sgd (momentum) and
// with Adam, over every process mpirun started and, in the same process, alone without MPI (the
// one-process path); prints a hash of the parameters' bytes and exits 1 unless every rank's
// parameters are bitwise those of the one-process run, or unless a parameter only one rank's
// shard uses lacks a gradient on some rank, or one no shard uses has one. Run by
// tests/distributed.cmake:
//   mpirun -np N dp_check                    1, 2 or 3 processes, bitwise equal
//   mpirun -np 3 dp_check --throw-rank 1     rank 1's shard loss throws on the 4th call
//   mpirun -np 3 dp_check --abort-rank 1     rank 1 throws outside an exchange
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <slope/distributed/distributed.hpp>
#include <slope/slope.hpp>

namespace {

using namespace slope;
namespace dist = slope::distributed;

struct Mlp {
  std::vector<Variable> params;
  Variable scores(const Variable& x) const {
    return linear(relu(linear(x, params[0], params[1])), params[2], params[3]);
  }
};

// Every rank draws its own (different) initialisation: broadcast_parameters must make them one.
Mlp make_mlp(std::uint64_t seed) {
  const Dtype f = Dtype::float32;
  return {{Variable(randn({6, 16}, seed, f, 0.4), true),
           Variable(randn({16}, seed + 1, f, 0.1), true),
           Variable(randn({16, 3}, seed + 2, f, 0.4), true),
           Variable(randn({3}, seed + 3, f, 0.1), true)}};
}

std::uint64_t hash_bytes(const std::vector<Variable>& params) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const Variable& p : params) {
    const float* d = p.value().data<float>();
    const auto* bytes = reinterpret_cast<const unsigned char*>(d);
    for (std::size_t i = 0; i < p.size() * sizeof(float); ++i)
      h = (h ^ bytes[i]) * 1099511628211ULL;
  }
  return h;
}

struct Failure {
  int throw_rank = -1;  // this rank's shard loss throws on its 4th call
  int abort_rank = -1;  // this rank throws after training, outside any exchange
};

// Trains a fresh MLP over `comm` with the optimizer `name`; returns the parameters' hash.
std::uint64_t train(const std::string& name, const dist::Communicator& comm, const Dataset& data,
                    const Failure& failure) {
  Mlp mlp = make_mlp(100 + static_cast<std::uint64_t>(comm.rank()));
  dist::broadcast_parameters(mlp.params, comm);
  const Variable x(data.x);
  RowGather rows(x, data.y);
  int calls = 0;
  auto sum_loss = [&](const Batch& shard) {
    if (comm.rank() == failure.throw_rank && ++calls == 4)
      throw ValueError("dp_check: a planned failure in rank " + std::to_string(comm.rank()) +
                       "'s shard loss");
    return softmax_cross_entropy(mlp.scores(rows.x(shard.indices)), rows.y(shard.indices),
                                 Reduction::sum);
  };
  // Shards of 8: a batch of 40 is 5 shards (blocks 2+3 on two ranks, 1+2+2 on three), the last
  // batch of 10 is 2 (a rank of three has none).
  Objective f = dist::data_parallel(mlp.params, sum_loss, data.size(), comm, {8});
  FitOptions o;
  o.batch_size = 40;
  o.epochs = 3;
  o.seed = 5;
  if (name == "sgd") {
    SgdOptions so;
    so.step_size = 0.1;
    so.momentum = 0.9;
    Sgd opt(so);
    fit(opt, f, o);
  } else {
    AdamOptions ao;
    ao.step_size = 0.01;
    Adam opt(ao);
    fit(opt, f, o);
  }
  if (comm.rank() == failure.abort_rank)
    throw std::runtime_error("dp_check: a planned failure outside an exchange");
  dist::broadcast_parameters(mlp.params, comm);  // the others wait here for the failed rank
  return hash_bytes(mlp.params);
}

// The sharded objective's loss and gradient are the plain mean's, up to rounding.
bool same_as_mean(const Dataset& data) {
  Mlp mlp = make_mlp(100);
  const Variable x(data.x);
  RowGather rows(x, data.y);
  Objective plain{mlp.params,
                  [&](const Batch& b) {
                    return softmax_cross_entropy(mlp.scores(rows.x(b.indices)), rows.y(b.indices));
                  },
                  data.size()};
  Objective sharded =
      dist::data_parallel(mlp.params,
                          [&](const Batch& b) {
                            return softmax_cross_entropy(mlp.scores(rows.x(b.indices)),
                                                         rows.y(b.indices), Reduction::sum);
                          },
                          data.size(), dist::Communicator::local(), {8});
  const Batch all = whole_batch(data.size());
  const double l0 = loss_and_grad(plain, all), n0 = global_grad_norm(mlp.params);
  const double l1 = loss_and_grad(sharded, all), n1 = global_grad_norm(mlp.params);
  const bool ok =
      std::abs(l0 - l1) <= 1e-5 * std::abs(l0) && std::abs(n0 - n1) <= 1e-4 * n0 && n0 > 0;
  std::printf("mean loss %.7f, sharded %.7f; gradient norm %.7f, sharded %.7f%s\n", l0, l1, n0, n1,
              ok ? "" : "  MISMATCH");
  return ok;
}

// A parameter only the last shard uses has a gradient on every rank, though the rank holding
// that shard is the last one; a parameter no shard uses has none on any rank (as with a plain
// objective), decided from the exchanged flags, so every rank's optimizer skips the same ones.
bool gradient_presence_agrees(const dist::Communicator& comm, const Dataset& data) {
  Mlp mlp = make_mlp(100);
  Variable rare(randn({3}, 9, Dtype::float32), true), unused(randn({2}, 10, Dtype::float32), true);
  const Variable x(data.x);
  RowGather rows(x, data.y);
  std::vector<Variable> params = mlp.params;
  params.push_back(rare);
  params.push_back(unused);
  Objective f = dist::data_parallel(params,
                                    [&](const Batch& b) {
                                      Variable l =
                                          softmax_cross_entropy(mlp.scores(rows.x(b.indices)),
                                                                rows.y(b.indices), Reduction::sum);
                                      for (std::size_t i : b)
                                        if (i == data.size() - 1) return l + sum(rare * rare);
                                      return l;
                                    },
                                    data.size(), comm, {8});
  loss_and_grad(f, whole_batch(data.size()));
  const bool ok = rare.has_grad() && !unused.has_grad() && mlp.params[0].has_grad();
  if (!ok || comm.prints())
    std::printf(
        "rank %d of %d: the parameter only the last shard uses %s a gradient, the unused "
        "one %s%s\n",
        comm.rank(), comm.size(), rare.has_grad() ? "has" : "has NOT",
        unused.has_grad() ? "HAS one" : "none", ok ? "" : "  MISMATCH");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Failure failure;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--throw-rank") == 0) failure.throw_rank = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--abort-rank") == 0) failure.abort_rank = std::stoi(argv[i + 1]);
  }
  const Dataset data = gaussian_blobs(130, 6, 3, 7, 8);
  return dist::run(argc, argv, [&](const dist::Communicator& world) {
    bool ok = world.rank() != 0 || same_as_mean(data);
    ok = gradient_presence_agrees(world, data) && ok;
    for (const std::string name : {"sgd", "adam"}) {
      const std::uint64_t alone = train(name, dist::Communicator::local(), data, Failure{});
      const std::uint64_t here = train(name, world, data, failure);
      if (world.prints() || here != alone)
        std::printf("%s: rank %d of %d: parameters %016llx, one process without MPI %016llx: %s\n",
                    name.c_str(), world.rank(), world.size(), static_cast<unsigned long long>(here),
                    static_cast<unsigned long long>(alone),
                    here == alone ? "bitwise equal" : "DIFFERENT");
      ok = ok && here == alone;
    }
    return ok ? 0 : 1;
  });
}
