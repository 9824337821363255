// SPDX-License-Identifier: MIT
// A small convolutional network on Fashion-MNIST: conv 3x3 (32) -> ReLU -> max pool 2 -> conv 3x3
// (64) -> ReLU -> max pool 2 -> fc 128 with dropout -> 10, trained by Adam on a cosine schedule.
// It reports the validation accuracy after every epoch, saves the history as CSV in --out, and
// ends with `test accuracy: 0.XXXX`. NOTE: the hyperparameters (Adam 2e-3, cosine, batch 128,
// dropout 0.4, 10 epochs) are first choices, not yet swept on the validation split; the test set
// is never consulted for them. Run with --help for the options.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli.hpp"
#include "fashion_data.hpp"
#include "out_dir.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;

struct Args {
  std::size_t epochs = 0;  // 0 (not a value --epochs accepts): the default
  std::size_t batch = 128;
  double lr = 2e-3;
  double dropout = 0.4;
  std::uint64_t seed = 0;
  std::string data = kFashionMnistDir;
  std::string out = examples::kDefaultOutDir;
  bool quick = false;
};

void add_flags(CLI::App& app, Args& a) {
  using namespace slope::cli;
  app.add_option("--epochs", a.epochs, "epochs (default 10; 2 with --quick)")->check(at_least(1));
  app.add_option("--batch", a.batch, "minibatch size")->check(at_least(1))->capture_default_str();
  app.add_option("--lr", a.lr, "Adam's base step size (cosine schedule to 0)")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--dropout", a.dropout, "dropout probability before the last layer")
      ->check(CLI::Range(0.0, 0.95))
      ->capture_default_str();
  app.add_option("--seed", a.seed, "seed for the split, the initial weights and the batches")
      ->check(at_least(0))
      ->capture_default_str();
  app.add_option("--data", a.data, "the directory of Fashion-MNIST's IDX files")
      ->capture_default_str();
  app.add_option("--out", a.out, "directory for the loss history (cnn.csv)")->capture_default_str();
  app.add_flag("--quick", a.quick,
               "a small subset and 2 epochs (the test suite's run; synthetic data when "
               "Fashion-MNIST is not installed); exits non-zero when the loss did not fall");
}

using examples::Data;

Data load_data(const Args& a) {
  Data d = examples::load_data(examples::data_request(a.data, a.seed, a.quick, 500));
  fmt::print("{}", d.note);
  return d;
}

// The network. It takes the loaders' flat rows [N, 784] and sees them as images [N, 1, 28, 28].
class Cnn : public nn::Module {
 public:
  explicit Cnn(double dropout) {
    net_ = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
        std::make_shared<nn::Conv2d>(1, 32, 3, 1, 1),   // [N, 32, 28, 28]
        std::make_shared<nn::ReLU>(),                   //
        std::make_shared<nn::MaxPool2d>(2),             // [N, 32, 14, 14]
        std::make_shared<nn::Conv2d>(32, 64, 3, 1, 1),  // [N, 64, 14, 14]
        std::make_shared<nn::ReLU>(),                   //
        std::make_shared<nn::MaxPool2d>(2),             // [N, 64, 7, 7]
        std::make_shared<nn::Flatten>(),                // [N, 3136]
        std::make_shared<nn::Linear>(64 * 7 * 7, 128),  // [N, 128]
        std::make_shared<nn::ReLU>(),                   //
        std::make_shared<nn::Dropout>(dropout),         //
        std::make_shared<nn::Linear>(128, 10)});        // [N, 10]
    register_module("net", net_);
  }
  Variable forward(const Variable& x) override {
    if (x.shape().size() != 2 || x.shape()[1] != 28 * 28)
      throw ShapeError(
          fmt::format("Cnn: expected rows of 784 pixels, got {}", shape_str(x.shape())));
    return (*net_)(reshape(x, Shape{x.shape()[0], 1, 28, 28}));
  }
  std::string describe() const override { return net_->describe(); }

 private:
  std::shared_ptr<nn::Sequential> net_;
};

std::size_t count_parameters(const nn::Module& m) {
  std::size_t n = 0;
  for (const Variable& p : m.parameters()) n += p.size();
  return n;
}

int run_main(const Args& a) {
  examples::prepare_out_dir(a.out);
  const Data d = load_data(a);
  fmt::print("data: {}: {} train, {} validation, {} test rows\n", d.source, d.train.size(),
             d.val.size(), d.test.size());
  nn::manual_seed(a.seed);
  Cnn model(a.dropout);
  fmt::print("model: {} ({} parameters)\n", model.describe(), count_parameters(model));

  const Variable train_x(d.train.x);
  RowGather gather(train_x, d.train.y);
  Objective f;
  f.params = model.parameters();
  f.examples = d.train.size();
  f.loss = [&](const Batch& batch) {
    return softmax_cross_entropy(model(gather.x(batch.indices)), gather.y(batch.indices));
  };

  const std::size_t epochs = a.epochs > 0 ? a.epochs : (a.quick ? 2 : 10);
  AdamOptions o;
  o.step_size = a.lr;
  o.schedule = Schedule::cosine();
  Adam adam(o);
  FitOptions fo;
  fo.epochs = epochs;
  fo.batch_size = std::min(a.batch, d.train.size());
  fo.seed = a.seed + 1;
  fo.evaluate = [&]() {
    const nn::Evaluation v = nn::evaluate(model, d.val, 500);
    return Metrics{{"val_loss", v.loss}, {"val_accuracy", v.accuracy}};
  };
  const double initial_loss = nn::evaluate(model, d.train, 500).loss;
  ProgressBar progress;
  const std::string csv = (std::filesystem::path(a.out) / "cnn.csv").string();
  CsvLogger history(csv);
  fmt::print("\nAdam (lr {:g}, {}), batch {}, dropout {:g}, {} epochs\n", o.step_size,
             o.schedule.describe(), fo.batch_size, a.dropout, epochs);
  const FitResult res = fit(adam, f, fo, progress, history);

  const nn::Evaluation train = nn::evaluate(model, d.train, 500);
  const nn::Evaluation val = nn::evaluate(model, d.val, 500);
  const nn::Evaluation test = nn::evaluate(model, d.test, 500);
  fmt::print("\ntraining: {:.1f} s for {} steps ({:.1f} s per epoch, validation included)\n",
             res.seconds, res.steps, res.seconds / static_cast<double>(res.epochs));
  fmt::print("train loss {:.4f} (from {:.4f}), train accuracy {:.4f}, validation accuracy {:.4f}\n",
             train.loss, initial_loss, train.accuracy, val.accuracy);
  fmt::print("loss history: {}\n", std::filesystem::absolute(csv).string());
  const bool ok = !a.quick || train.loss < initial_loss;
  if (!ok)
    fmt::print("FAILED: the training loss did not fall ({:.6g} -> {:.6g})\n", initial_loss,
               train.loss);
  fmt::print("test accuracy: {:.4f}\n", test.accuracy);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"Trains a small convolutional network on Fashion-MNIST and reports its accuracy.",
               "cnn"};
  add_flags(app, a);
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  try {
    return run_main(a);
  } catch (const std::exception& e) {
    fmt::print(stderr, "cnn: {}\n", e.what());
    return 2;
  }
}
