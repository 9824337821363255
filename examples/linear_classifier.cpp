// SPDX-License-Identifier: MIT
// The headline example: SVM and softmax linear classifiers on Fashion-MNIST (or CIFAR-10), trained
// by random search, gradient descent, SGD or any other slope optimizer (one flag swaps them). It
// checks the classifier's gradient first, trains with a progress bar, prints a table, writes the
// loss history (CSV), the learned templates (PNG), the training curves and the confusion matrix
// (SVG) in --out, and ends with `test accuracy: 0.XXXX`. Hyperparameters were chosen on the
// validation split, never on the test set. With --distributed under `mpirun -np N` it trains
// data-parallel (examples/parallel.hpp), bitwise the same for any N. Run with --help for the
// options.
#include <algorithm>
#include <filesystem>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "fashion_data.hpp"
#include "optimizers.hpp"
#include "out_dir.hpp"
#include "parallel.hpp"
#include "pictures.hpp"
#include "training.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;

struct Args {
  std::string loss = "softmax", optimizer = "sgd", data_set = "fashion-mnist";
  std::size_t epochs = 0;  // 0 (not a value --epochs accepts): the optimizer's default
  std::size_t batch = 128;
  double lr = 0, reg = -1, momentum = -1;  // 0 / < 0 (values the flags refuse): the defaults
  bool bias_trick = false, quick = false, compare = false, distributed = false;
  std::uint64_t seed = 0;
  std::string data = kFashionMnistDir, out = examples::kDefaultOutDir;
};

void add_flags(CLI::App& app, Args& a) {
  using namespace slope::cli;
  app.add_option("--loss", a.loss, "the data loss")
      ->check(CLI::IsMember({"svm", "softmax"}))
      ->capture_default_str();
  app.add_option("--optimizer", a.optimizer, "the optimizer (sgd: momentum 0.9, cosine schedule)")
      ->check(CLI::IsMember(examples::optimizer_names()))
      ->capture_default_str();
  app.add_option("--epochs", a.epochs,
                 "epochs (for gd and lbfgs: steps; random searches: draws); default per optimizer")
      ->check(at_least(1));
  app.add_option("--batch", a.batch, "minibatch size")->check(at_least(1))->capture_default_str();
  app.add_option("--lr", a.lr,
                 "base step size (random_search: the draw scale; random_local_search: sigma); "
                 "defaults were chosen per optimizer and loss on validation")
      ->check(positive());
  app.add_option("--reg", a.reg, "L2 strength lambda in lambda * sum W^2 (default per loss)")
      ->check(non_negative());
  app.add_option("--momentum", a.momentum, "momentum for sgd / nesterov / gd")
      ->check(non_negative());
  app.add_flag("--bias-trick", a.bias_trick,
               "append a column of ones to x instead of a separate bias b");
  app.add_option("--seed", a.seed, "seed for the split, the initial W, the batches and the draws")
      ->check(at_least(0))
      ->capture_default_str();
  app.add_option("--data-set", a.data_set, "fashion-mnist, or cifar10 (its binary batches)")
      ->check(CLI::IsMember({"fashion-mnist", "cifar10"}))
      ->capture_default_str();
  app.add_option("--data", a.data, "the data set's directory (Fashion-MNIST's IDX files)")
      ->capture_default_str();
  app.add_option("--out", a.out,
                 "directory for the loss histories (linear_classifier_<loss>_<optimizer>.csv) "
                 "and the pictures (templates.png, curves.svg, confusion.svg)")
      ->capture_default_str();
  app.add_flag("--quick", a.quick,
               "a small subset and few steps (the test suite's run; synthetic data when "
               "Fashion-MNIST is not installed); exits non-zero when the loss did not fall or the "
               "gradient check failed");
  app.add_flag("--compare", a.compare,
               "runs random search, gradient descent and SGD and tables them");
  app.add_flag("--distributed", a.distributed, examples::kDistributedHelp);
}

// ---- data ----

struct Split {  // one split held as a constant Variable, made once
  Variable x;   // float32 [N, D]
  Labels y;
  std::size_t size() const { return y.size(); }
};

struct Data {
  Split train, val, test;
  std::string source;
  std::size_t side = 28, channels = 1;  // the images' shape, for the templates
  std::vector<std::string> names;
};

Split head(const Split& s, std::size_t n) {  // the first n rows
  std::vector<std::size_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  RowGather gather(s.x, s.y);
  return {gather.x(rows), gather.y(rows)};
}

Data load_data(const Args& a) {
  examples::DataRequest r = examples::data_request(a.data, a.seed, a.quick);
  r.data_set = a.data_set;
  examples::Data d = examples::load_data(r);
  fmt::print("{}", d.note);
  auto split = [&](Dataset& s) {
    if (a.bias_trick) s = with_bias_column(s);
    return Split{Variable(std::move(s.x)), std::move(s.y)};
  };
  return {split(d.train), split(d.val), split(d.test), d.source, d.side, d.channels, d.names};
}

// ---- the model: scores = x W + b, L = data loss + lambda * sum W^2 ----

struct Model {
  Variable w;  // [D, C]
  Variable b;  // [C]; unused with the bias trick (W's last row is the bias)
  bool bias_trick = false;
  std::vector<Variable> params() const {
    return bias_trick ? std::vector<Variable>{w} : std::vector<Variable>{w, b};
  }
  Variable scores(const Variable& x) const { return bias_trick ? matmul(x, w) : linear(x, w, b); }
};

Model make_model(std::size_t dim, bool bias_trick, std::uint64_t seed, Dtype dtype = Dtype::float32,
                 double scale = 1e-3) {
  return {Variable(randn({dim, 10}, seed, dtype, scale), true),
          Variable(Tensor::zeros({10}, dtype), true), bias_trick};
}

Variable data_loss(const std::string& loss, const Variable& scores, const Labels& y,
                   Reduction r = Reduction::mean) {
  return loss == "svm" ? multiclass_svm(scores, y, 1.0, r) : softmax_cross_entropy(scores, y, r);
}

Variable objective(const std::string& loss, double reg, const Model& m, const Variable& x,
                   const Labels& y) {
  const Variable data = data_loss(loss, m.scores(x), y);
  return reg > 0 ? data + l2(m.w, reg) : data;
}

struct Eval {
  double loss = 0, accuracy = 0;
};

Eval evaluate(const std::string& loss, double reg, const Model& m, const Split& s) {
  NoGradGuard no_grad;
  const Variable sc = m.scores(s.x);
  const double penalty = reg > 0 ? l2(m.w, reg).item() : 0.0;
  return {data_loss(loss, sc, s.y).item() + penalty, nn::accuracy(sc.value(), s.y)};
}

// ---- the gradient check ----

// The classifier's loss on 16 training rows, checked in float64 against finite differences.
bool gradient_check(const Args& a, double reg, const Data& d) {
  const Split small = head(d.train, 16);
  const Variable x(small.x.value().to(Dtype::float64));
  const Model m0 = make_model(x.shape()[1], a.bias_trick, a.seed + 3, Dtype::float64, 0.05);
  std::vector<Tensor> inputs{m0.w.value()};
  if (!a.bias_trick) inputs.push_back(Tensor(randn({10}, a.seed + 4, Dtype::float64, 0.1)));
  auto f = [&](const Inputs& in) {
    const Model m{in[0], a.bias_trick ? Variable() : in[1], a.bias_trick};
    return objective(a.loss, reg * 100, m, x, small.y);  // a larger lambda so the L2 term counts
  };
  const GradcheckResult r = gradcheck(f, inputs, {}, a.loss + " classifier");
  fmt::print("gradient check: {} ({} loss + L2 on 16 rows in float64, W {}{})\n  {}\n",
             r.ok ? "ok" : "FAILED", a.loss, shape_str(m0.w.shape()),
             a.bias_trick ? "" : " and b (10)", r.summary());
  return r.ok;
}

// ---- the optimizer (one flag swaps it) and training ----

struct Run {
  std::string name, describe, csv;
  Model model;
  double initial_loss = 0, seconds = 0;
  Eval train, val, test;
  std::vector<Metrics> history;
  bool gradient_free = false;
};

Run train(const std::string& name, const Args& a, double reg, const Data& d,
          const examples::Parallel& p) {
  // The flags given, and for the rest the defaults chosen on validation (examples/optimizers.hpp).
  const examples::OptimizerFlags flags{name,     a.loss == "svm", a.lr,    a.momentum,
                                       a.epochs, a.batch,         a.quick, a.seed};
  auto [setup, epochs] = examples::make_optimizer(flags, examples::linear_classifier_defaults());
  Run r;
  r.name = name;
  r.describe = setup.describe;
  r.model = make_model(d.train.x.shape()[1], a.bias_trick, a.seed + 1);
  r.gradient_free = setup.gradient_free;
  Model& m = r.model;
  std::vector<Variable> params = m.params();
  p.broadcast(params);
  r.initial_loss = evaluate(a.loss, reg, m, d.train).loss;
  // A full-batch search evaluates the whole set per draw: 1,000 draws over 55,000 rows would take
  // about 20 s, so the random searches score their draws on the first 10,000 training rows.
  const bool cut = r.gradient_free && d.train.size() > 10000;
  const Split fit_on = cut ? head(d.train, 10000) : d.train;
  if (cut) r.describe += ", loss on 10000 train rows";

  RowGather gather(fit_on.x, fit_on.y);
  auto loss = [&](const Batch& b, Reduction red) {
    if (b.whole) return data_loss(a.loss, m.scores(fit_on.x), fit_on.y, red);
    return data_loss(a.loss, m.scores(gather.x(b.indices)), gather.y(b.indices), red);
  };
  Objective f = p.objective(
      params, [&](const Batch& b) { return loss(b, Reduction::mean); },
      [&](const Batch& shard) { return loss(shard, Reduction::sum); }, fit_on.size(), 32);
  if (reg > 0) f.loss = [&, data = f.loss](const Batch& b) { return data(b) + l2(m.w, reg); };
  FitOptions fo;
  fo.epochs = epochs;
  fo.batch_size = std::min(a.batch, fit_on.size());
  fo.seed = a.seed + 2;
  // Evaluated after every epoch; a search that kept its best point reuses the last evaluation.
  fo.evaluate = examples::evaluate_when_changed(f.params, [&]() {
    const Eval v = evaluate(a.loss, reg, m, d.val);
    return Metrics{{"val_loss", v.loss}, {"val_accuracy", v.accuracy}};
  });
  r.csv = (std::filesystem::path(a.out) / fmt::format("linear_classifier_{}_{}.csv", a.loss, name))
              .string();
  examples::FitLog log(r.csv, epochs, p.prints());
  if (!p.prints()) fo.evaluate = nullptr;  // the others need no log

  const char* unit = r.gradient_free ? "draws" : setup.optimizer->full_batch() ? "steps" : "epochs";
  fmt::print("\n{} ({}), {} {}{}\n", name, r.describe, epochs, unit,
             p.distributed() ? fmt::format("; data-parallel over {} processes", p.size()) : "");
  FitResult res = fit(*setup.optimizer, f, fo, log.callbacks());
  r.seconds = res.seconds;
  r.history = std::move(res.history);
  r.train = evaluate(a.loss, reg, m, d.train);
  r.val = evaluate(a.loss, reg, m, d.val);
  r.test = evaluate(a.loss, reg, m, d.test);
  return r;
}

// ---- the result ----

void print_table(const std::vector<Run>& runs) {
  fmt::print("\n{:<20} {:>11} {:>10} {:>10} {:>10} {:>9}\n", "optimizer", "final loss", "train acc",
             "val acc", "test acc", "time (s)");
  for (const Run& r : runs)
    fmt::print("{:<20} {:>11.4f} {:>10.4f} {:>10.4f} {:>10.4f} {:>9.2f}\n", r.name, r.train.loss,
               r.train.accuracy, r.val.accuracy, r.test.accuracy, r.seconds);
  fmt::print(
      "(final loss: the training objective, data loss + L2, on all training rows; time: "
      "training only, with one evaluation on the validation split per epoch)\n");
}

int run_main(const Args& a, const examples::Parallel& p) {
  if (p.prints()) examples::prepare_out_dir(a.out);
  const Data d = load_data(a);
  fmt::print("data: {}: {} train, {} validation, {} test rows of {} features{}\n", d.source,
             d.train.size(), d.val.size(), d.test.size(), d.train.x.shape()[1],
             a.bias_trick ? " (bias trick: the last is 1)" : "");
  const double reg = a.reg >= 0 ? a.reg : (a.loss == "svm" ? 1e-3 : 1e-4);
  bool ok = gradient_check(a, a.reg >= 0 ? a.reg : 1e-4, d);

  std::vector<std::string> names = {a.optimizer};
  if (a.compare) {
    names = {"random_search", "gd", "sgd"};
    if (std::find(names.begin(), names.end(), a.optimizer) == names.end())
      names.push_back(a.optimizer);
  }
  std::vector<Run> runs;
  for (const auto& n : names) runs.push_back(train(n, a, reg, d, p));
  if (!p.prints()) return 0;

  print_table(runs);
  for (const Run& r : runs) {
    fmt::print("loss history ({}): {}\n", r.name, std::filesystem::absolute(r.csv).string());
    if (a.quick && !r.gradient_free && !(r.train.loss < r.initial_loss)) {
      fmt::print("FAILED: {}'s training loss did not fall ({:.6g} -> {:.6g})\n", r.name,
                 r.initial_loss, r.train.loss);
      ok = false;
    }
  }
  // The configuration reported: the one asked for, or with --compare the best on validation.
  const Run* chosen = &runs.front();
  for (const Run& r : runs)
    if (a.compare ? r.val.accuracy > chosen->val.accuracy : r.name == a.optimizer) chosen = &r;
  // The pictures: the templates (rows of W^T as images), the curves, the confusion matrix.
  NoGradGuard no_grad;
  const examples::ClassifierPictures pictures = examples::write_classifier_pictures(
      a.out, chosen->model.w.value(), d.side, d.channels, chosen->history,
      fmt::format("{} classifier, {}", a.loss, chosen->name),
      chosen->model.scores(d.test.x).value(), d.test.y, d.names);
  fmt::print("templates: {}\ncurves: {}\nconfusion matrix: {}\n", pictures.templates,
             pictures.curves, pictures.confusion);
  fmt::print("final loss: train {:.6f}, validation {:.6f}\n", chosen->train.loss, chosen->val.loss);
  fmt::print("chosen: {} ({}) with {} loss; validation accuracy {:.4f}\n", chosen->name,
             chosen->describe, a.loss, chosen->val.accuracy);
  fmt::print("test accuracy: {:.4f}\n", chosen->test.accuracy);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{
      "Trains a linear classifier (scores = x W + b) on Fashion-MNIST and reports its accuracy.",
      "linear_classifier"};
  add_flags(app, a);
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  return examples::run_parallel("linear_classifier", a.distributed, argc, argv,
                                [&](const examples::Parallel& p) { return run_main(a, p); });
}
