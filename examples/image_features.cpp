// SPDX-License-Identifier: MIT
// The lecture's last slides: instead of raw pixels, feed the linear classifier image features,
// histograms of oriented gradients (HOG, for shape) and, for colour images, a hue histogram. One
// run trains the same softmax (or SVM) classifier on each feature set, side by side, and tables
// them: on Fashion-MNIST, raw pixels, HOG, and HOG with the pixels. Ends with
// `test accuracy: 0.XXXX` of the set that did best on validation.
// Measured (defaults, OPENBLAS_NUM_THREADS=1, test accuracy, seeds 0 / 1 / 2; 17-18 s user CPU a
// run): raw pixels 0.8418 / 0.8400 / 0.8418, HOG 0.8810 / 0.8816 / 0.8822, HOG + pixels
// 0.8907 / 0.8913 / 0.8925.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "fashion_data.hpp"
#include "optimizers.hpp"
#include "out_dir.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;

struct Args {
  std::string loss = "softmax", data_set = "fashion-mnist", data = kFashionMnistDir;
  std::string out = examples::kDefaultOutDir;
  std::size_t epochs = 20, batch = 128, cell = 4;
  double lr = 0.05, reg = 1e-4;
  std::uint64_t seed = 0;
  bool quick = false;
};

// One feature set: a name and its blocks of columns (each block standardised on its own).
struct Features {
  std::string name;
  Dataset train, val, test;
};

// Per block of columns, x -= the column means and x /= the block's RMS, both from the training
// rows: blocks of different units (pixels, gradient histograms) then weigh alike, and one step size
// suits every feature set.
Tensor standardise(const Tensor& block, const Tensor& train_block) {
  const std::size_t n = train_block.shape()[0], d = train_block.shape()[1];
  std::vector<double> mean(d, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = train_block.data<float>() + i * d;
    for (std::size_t j = 0; j < d; ++j) mean[j] += row[j];
  }
  for (double& m : mean) m /= static_cast<double>(n);
  double sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = train_block.data<float>() + i * d;
    for (std::size_t j = 0; j < d; ++j) sq += (row[j] - mean[j]) * (row[j] - mean[j]);
  }
  const double scale = 1 / (std::sqrt(sq / static_cast<double>(n * d)) + 1e-12);
  Tensor out = Tensor::zeros(block.shape(), Dtype::float32);
  for (std::size_t i = 0; i < block.shape()[0]; ++i) {
    const float* row = block.data<float>() + i * d;
    float* o = out.data<float>() + i * d;
    for (std::size_t j = 0; j < d; ++j) o[j] = static_cast<float>((row[j] - mean[j]) * scale);
  }
  return out;
}

// The columns of several blocks side by side: [N, D1] ... -> [N, D1 + D2 + ...].
Tensor side_by_side(const std::vector<Tensor>& blocks) {
  const std::size_t n = blocks.front().shape()[0];
  std::size_t d = 0;
  for (const Tensor& b : blocks) d += b.shape()[1];
  Tensor out = Tensor::zeros({n, d}, Dtype::float32);
  float* o = out.data<float>();
  for (std::size_t i = 0; i < n; ++i)
    for (const Tensor& b : blocks) {
      const std::size_t w = b.shape()[1];
      o = std::copy_n(b.data<float>() + i * w, w, o);
    }
  return out;
}

// The splits' features: `make` maps a split's images to the blocks of columns.
template <class Make>
Features features(const std::string& name, const examples::Data& d, Make make) {
  const std::vector<Tensor> train = make(d.train.x), val = make(d.val.x), test = make(d.test.x);
  auto finish = [&](const std::vector<Tensor>& blocks, const Dataset& labels) {
    std::vector<Tensor> s;
    for (std::size_t k = 0; k < blocks.size(); ++k) s.push_back(standardise(blocks[k], train[k]));
    return Dataset{side_by_side(s), labels.y};
  };
  return {name, finish(train, d.train), finish(val, d.val), finish(test, d.test)};
}

struct Result {
  std::string name;
  std::size_t dims = 0;
  double initial_loss = 0, final_loss = 0, val = 0, test = 0, seconds = 0, feature_seconds = 0;
};

Result train(const Args& a, const Features& f) {
  nn::LinearOptions lo;
  lo.seed = a.seed + 1;
  nn::Linear model(f.train.features(), 10, lo);
  const Variable x(f.train.x);
  RowGather gather(x, f.train.y);
  auto data_loss = [&](const Variable& scores, const Labels& y) {
    return a.loss == "svm" ? multiclass_svm(scores, y) : softmax_cross_entropy(scores, y);
  };
  Objective objective{model.parameters(),
                      [&](const Batch& b) {
                        return data_loss(model(gather.x(b.indices)), gather.y(b.indices)) +
                               l2(model.weight(), a.reg);
                      },
                      f.train.size()};
  examples::OptimizerSpec o;
  o.step_size = a.lr;
  o.momentum = 0.9;
  o.cosine = true;
  const examples::MadeOptimizer sgd = examples::make_optimizer(o);
  FitOptions fo;
  fo.epochs = a.epochs;
  fo.batch_size = std::min(a.batch, f.train.size());
  fo.seed = a.seed + 2;
  fo.evaluate = [&]() {
    return Metrics{{"val_accuracy", nn::evaluate(model, f.val, 1000, data_loss).accuracy}};
  };
  ProgressBar progress;
  Result r;
  r.name = f.name;
  r.dims = f.train.features();
  r.initial_loss = nn::evaluate(model, f.train, 1000, data_loss).loss;
  fmt::print(
      "\n{} ({} features): softmax + L2 {:g}, SGD lr {:g}, momentum 0.9, cosine, {} epochs\n",
      f.name, r.dims, a.reg, a.lr, a.epochs);
  r.seconds = fit(*sgd.optimizer, objective, fo, progress).seconds;
  r.final_loss = nn::evaluate(model, f.train, 1000, data_loss).loss;
  r.val = nn::evaluate(model, f.val, 1000, data_loss).accuracy;
  r.test = nn::evaluate(model, f.test, 1000, data_loss).accuracy;
  return r;
}

int run_main(const Args& a) {
  const std::filesystem::path out = examples::prepare_out_dir(a.out);
  examples::DataRequest request = examples::data_request(a.data, a.seed, a.quick);
  request.data_set = a.data_set;
  request.subtract_mean = false;  // each feature block is standardised on its own
  const examples::Data d = examples::load_data(request);
  const std::size_t side = d.side, channels = d.channels;
  fmt::print("{}data: {}{}\n", d.note, d.source,
             d.synthetic ? " (no shapes, so features need not help)" : "");
  fmt::print("{} train, {} validation, {} test images of {} x {} x {}\n", d.train.size(),
             d.val.size(), d.test.size(), channels, side, side);
  HogOptions hog;
  hog.cell = a.cell;
  const bool colour = channels == 3;
  auto pixels = [](const Tensor& x) { return std::vector<Tensor>{x}; };
  auto grey = [&](const Tensor& x) { return colour ? rgb_to_grey(x, side, side) : x; };
  auto hog_only = [&](const Tensor& x) {
    return std::vector<Tensor>{hog_features(grey(x), side, side, hog)};
  };
  auto hog_and_pixels = [&](const Tensor& x) {
    return std::vector<Tensor>{hog_features(grey(x), side, side, hog), x};
  };
  auto hog_and_hue = [&](const Tensor& x) {
    return std::vector<Tensor>{hog_features(grey(x), side, side, hog),
                               hue_histogram(x, side, side)};
  };
  std::vector<Result> results;
  auto run = [&](const std::string& name, auto make) {
    const auto start = std::chrono::steady_clock::now();
    const Features f = features(name, d, make);
    const double made =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    results.push_back(train(a, f));
    results.back().feature_seconds = made;
  };
  run("raw pixels", pixels);
  run(fmt::format("HOG (cells of {})", a.cell), hog_only);
  if (colour)
    run("HOG + hue histogram", hog_and_hue);
  else
    run("HOG + pixels", hog_and_pixels);

  fmt::print("\n{:<22} {:>8} {:>11} {:>9} {:>9} {:>12} {:>10}\n", "features", "dims", "final loss",
             "val acc", "test acc", "features (s)", "train (s)");
  bool ok = true;
  for (const Result& r : results) {
    fmt::print("{:<22} {:>8} {:>11.4f} {:>9.4f} {:>9.4f} {:>12.2f} {:>10.2f}\n", r.name, r.dims,
               r.final_loss, r.val, r.test, r.feature_seconds, r.seconds);
    if (a.quick && !(r.final_loss < r.initial_loss)) {
      fmt::print("FAILED: {}: the training loss did not fall ({:.6g} -> {:.6g})\n", r.name,
                 r.initial_loss, r.final_loss);
      ok = false;
    }
  }
  const Result* best = &results.front();
  for (const Result& r : results)
    if (r.val > best->val) best = &r;
  const std::string csv = (out / "image_features.csv").string();
  if (std::FILE* file = std::fopen(csv.c_str(), "w")) {
    fmt::print(file, "features,dims,final_loss,val_accuracy,test_accuracy\n");
    for (const Result& r : results)
      fmt::print(file, "{},{},{:.6f},{:.6f},{:.6f}\n", r.name, r.dims, r.final_loss, r.val, r.test);
    std::fclose(file);
  } else {
    throw ValueError(fmt::format("image_features: cannot write '{}'", csv));
  }
  fmt::print("table: {}\n", std::filesystem::absolute(csv).string());
  fmt::print("best on validation: {} (test {:.4f}; raw pixels {:.4f})\n", best->name, best->test,
             results.front().test);
  fmt::print("test accuracy: {:.4f}\n", best->test);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"Raw pixels against image features (HOG, hue histograms) for a linear classifier.",
               "image_features"};
  using namespace slope::cli;
  app.add_option("--loss", a.loss, "the data loss")
      ->check(CLI::IsMember({"svm", "softmax"}))
      ->capture_default_str();
  app.add_option("--data-set", a.data_set, "fashion-mnist, or cifar10 (its binary batches)")
      ->check(CLI::IsMember({"fashion-mnist", "cifar10"}))
      ->capture_default_str();
  app.add_option("--data", a.data, "the data set's directory")->capture_default_str();
  app.add_option("--epochs", a.epochs, "epochs per feature set")
      ->check(at_least(1))
      ->capture_default_str();
  app.add_option("--batch", a.batch, "minibatch size")->check(at_least(1))->capture_default_str();
  app.add_option("--cell", a.cell, "HOG cell size in pixels")
      ->check(at_least(1))
      ->capture_default_str();
  app.add_option("--lr", a.lr, "SGD's base step size")->check(positive())->capture_default_str();
  app.add_option("--reg", a.reg, "L2 strength lambda")
      ->check(non_negative())
      ->capture_default_str();
  app.add_option("--seed", a.seed, "seed for the split, the initial W and the batches")
      ->check(at_least(0))
      ->capture_default_str();
  app.add_option("--out", a.out, "directory for image_features.csv")->capture_default_str();
  app.add_flag("--quick", a.quick,
               "a small subset and 3 epochs (the test suite's run; synthetic data when "
               "Fashion-MNIST is not installed); exits non-zero when a loss did not fall");
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  if (a.quick && app.count("--epochs") == 0) a.epochs = 3;
  try {
    return run_main(a);
  } catch (const std::exception& e) {
    fmt::print(stderr, "image_features: {}\n", e.what());
    return 2;
  }
}
