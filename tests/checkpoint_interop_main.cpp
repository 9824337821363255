// SPDX-License-Identifier: MIT
// The C++ half of the checkpoint interop test (tests/checkpoint_interop.py runs it), on the model
// Sequential(Linear(4, 3), ReLU, Dropout(0.5), Linear(3, 2)):
//   checkpoint_interop_main write FILE   saves a checkpoint (Adam after two steps, epoch 3) and
//                                        prints each array as "name<TAB>shape<TAB>values" (%.17g)
//   checkpoint_interop_main read FILE    load_weights from FILE (numpy.savez wrote it) and prints
//                                        the parameters the same way
// Exits 1 with the error on stderr when a call throws.
#include <cstdio>
#include <string>

#include <slope/slope.hpp>

namespace {

void print(const std::string& name, const slope::Tensor& t) {
  std::string shape;
  for (std::size_t d : t.shape()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
  std::printf("%s\t%s\t", name.c_str(), shape.c_str());
  for (std::size_t i = 0; i < t.size(); ++i) std::printf("%s%.17g", i ? " " : "", t.flat(i));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: checkpoint_interop_main write|read FILE\n");
    return 2;
  }
  const std::string mode = argv[1], file = argv[2];
  try {
    slope::nn::manual_seed(7);
    slope::nn::Sequential net;
    net.emplace<slope::nn::Linear>(4, 3);
    net.emplace<slope::nn::ReLU>();
    net.emplace<slope::nn::Dropout>(0.5);
    net.emplace<slope::nn::Linear>(3, 2);
    if (mode == "write") {
      slope::Variable x(slope::randn({5, 4}, 3, slope::Dtype::float32));
      const slope::Labels y = {0, 1, 1, 0, 1};
      slope::Objective f = slope::Objective::from_named(
          net.named_parameters(),
          [&](const slope::Batch&) { return slope::softmax_cross_entropy(net(x), y); }, 5);
      slope::Adam adam;
      slope::FitOptions o;
      o.epochs = 2;
      o.batch_size = 5;
      o.shuffle = false;
      slope::fit(adam, f, o);
      slope::save_checkpoint(file, net, &adam, {3, 2, {}});
      for (const auto& [name, p] : net.named_parameters()) print(name, p.value());
      for (const auto& [name, t] : adam.state()) print("optim/" + name, t);
    } else if (mode == "read") {
      slope::load_weights(file, net);
      for (const auto& [name, p] : net.named_parameters()) print(name, p.value());
    } else {
      std::fprintf(stderr, "checkpoint_interop_main: unknown mode '%s'\n", mode.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
