// SPDX-License-Identifier: MIT
// The headline example: SVM and softmax linear classifiers on Fashion-MNIST, trained by random
// search, gradient descent, SGD or any other slope optimizer (one flag swaps them). It checks the
// classifier's gradient first, trains with a progress bar, prints a table (optimizer, final loss,
// train / validation / test accuracy, time), saves the loss history as CSV in --out, and ends with
// `test accuracy: 0.XXXX`. Hyperparameters were chosen on the validation split, never on the test
// set. Run with --help for the options.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "out_dir.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;

struct Args {
  std::string loss = "softmax";
  std::string optimizer = "sgd";
  std::size_t epochs = 0;  // 0 (not a value --epochs accepts): the optimizer's default
  std::size_t batch = 128;
  double lr = 0;         // 0 (not accepted by --lr): the default
  double reg = -1;       // < 0 (not accepted by --reg): the default
  double momentum = -1;  // < 0 (not accepted by --momentum): the default
  bool bias_trick = false;
  std::uint64_t seed = 0;
  std::string data = kFashionMnistDir;
  std::string out = examples::kDefaultOutDir;
  bool quick = false;
  bool compare = false;
};

const std::vector<std::string> kOptimizers = {
    "sgd",     "sgd_plain", "nesterov", "gd",   "random_search", "random_local_search",
    "adagrad", "rmsprop",   "adam",     "lbfgs"};

void add_flags(CLI::App& app, Args& a) {
  using namespace slope::cli;
  app.add_option("--loss", a.loss, "the data loss")
      ->check(CLI::IsMember({"svm", "softmax"}))
      ->capture_default_str();
  app.add_option("--optimizer", a.optimizer, "the optimizer (sgd: momentum 0.9, cosine schedule)")
      ->check(CLI::IsMember(kOptimizers))
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
  app.add_option("--data", a.data, "the directory of Fashion-MNIST's IDX files")
      ->capture_default_str();
  app.add_option("--out", a.out,
                 "directory for the loss histories (linear_classifier_<loss>_<optimizer>.csv)")
      ->capture_default_str();
  app.add_flag("--quick", a.quick,
               "a small subset and few steps (the test suite's run; synthetic data when "
               "Fashion-MNIST is not installed); exits non-zero when the loss did not fall or the "
               "gradient check failed");
  app.add_flag("--compare", a.compare,
               "runs random search, gradient descent and SGD and tables them");
}

// ---- data ----

// One split held as a constant Variable (made once: a Variable copies nothing more per step).
struct Split {
  Variable x;  // float32 [N, D]
  Labels y;
  std::size_t size() const { return y.size(); }
};

struct Data {
  Split train, val, test;
  std::string source;
};

Split to_split(Dataset d) { return {Variable(std::move(d.x)), std::move(d.y)}; }

// The first n rows of a split.
Split head(const Split& s, std::size_t n) {
  std::vector<std::size_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  RowGather gather(s.x, s.y);
  return {gather.x(rows), gather.y(rows)};
}

Data load_data(const Args& a) {
  const std::size_t max_train = a.quick ? 2500 : 0, max_test = a.quick ? 1000 : 0;
  const std::size_t n_validation = a.quick ? 500 : 5000;
  TrainTest tt;
  TrainValidation tv;  // validation rows come out of the training set; test is only evaluated
  Data out;
  const DataSource source = choose_data_source(a.data, a.quick);
  if (source.synthetic) {
    fmt::print("{}\n      (10 Gaussian blobs)\n", source.note);
    tt = synthetic_fashion_mnist(max_train, max_test, a.seed);
    tv = split_validation(tt.train, n_validation, a.seed);
    out.source = "synthetic data";
  } else {
    TrainValidationTest tvt =
        load_fashion_mnist_split(a.data, n_validation, a.seed, max_train, max_test);
    tv = {std::move(tvt.train), std::move(tvt.validation)};
    tt.test = std::move(tvt.test);
    out.source = fmt::format("Fashion-MNIST from {}", a.data);
  }
  const Tensor mean = mean_image(tv.train);  // from the training rows only, applied to all
  subtract_mean(tv.train, mean);
  subtract_mean(tv.validation, mean);
  subtract_mean(tt.test, mean);
  if (a.bias_trick) {
    tv.train = with_bias_column(tv.train);
    tv.validation = with_bias_column(tv.validation);
    tt.test = with_bias_column(tt.test);
  }
  out.train = to_split(std::move(tv.train));
  out.val = to_split(std::move(tv.validation));
  out.test = to_split(std::move(tt.test));
  return out;
}

// ---- the model ----

struct Model {
  Variable w;  // [D, C]
  Variable b;  // [C]; unused with the bias trick (W's last row is the bias)
  bool bias_trick = false;
  std::vector<Variable> params() const {
    return bias_trick ? std::vector<Variable>{w} : std::vector<Variable>{w, b};
  }
};

Model make_model(std::size_t dim, std::size_t classes, bool bias_trick, std::uint64_t seed,
                 Dtype dtype = Dtype::float32, double scale = 1e-3) {
  return {Variable(randn({dim, classes}, seed, dtype, scale), true),
          Variable(Tensor::zeros({classes}, dtype), true), bias_trick};
}

Variable scores(const Model& m, const Variable& x) {
  return m.bias_trick ? matmul(x, m.w) : linear(x, m.w, m.b);  // [N, D] x [D, C] -> [N, C]
}

// L = data loss (mean over the batch) + lambda * sum W^2.
Variable objective(const std::string& loss, double reg, const Model& m, const Variable& x,
                   const Labels& y) {
  const Variable s = scores(m, x);
  const Variable data = loss == "svm" ? multiclass_svm(s, y) : softmax_cross_entropy(s, y);
  return reg > 0 ? data + l2(m.w, reg) : data;
}

struct Eval {
  double loss = 0;
  double accuracy = 0;
};

Eval evaluate(const Args& a, double reg, const Model& m, const Split& s) {
  NoGradGuard no_grad;
  const Variable sc = scores(m, s.x);
  const std::size_t n = s.size(), c = sc.shape()[1];
  const float* p = sc.value().data<float>();
  std::size_t right = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t best =
        static_cast<std::size_t>(std::max_element(p + i * c, p + i * c + c) - (p + i * c));
    right += static_cast<std::int64_t>(best) == s.y[i];
  }
  const Variable data = a.loss == "svm" ? multiclass_svm(sc, s.y) : softmax_cross_entropy(sc, s.y);
  const double penalty = reg > 0 ? l2(m.w, reg).item() : 0.0;
  return {data.item() + penalty, static_cast<double>(right) / static_cast<double>(n)};
}

// ---- optimizers and their defaults ----
// Chosen by validation accuracy (seed 0, 5,000 validation rows; the test set never consulted):
//   sgd, softmax: lr in {0.005 .. 0.2} x L2 in {0, 1e-5, 1e-4, 1e-3} x {10, 20, 30} epochs x
//     batch {64, 128, 256}: lr 0.05, L2 1e-4, 20 epochs, batch 128 (0.8620; the top is flat,
//     0.861-0.862 from lr 0.02 to 0.2).
//   sgd, svm: lr in {0.002 .. 0.05} x L2 in {0, 1e-4, 1e-3} x {20, 30}: lr 0.02, L2 1e-3, 30
//     epochs (0.8600).
//   gd (100 full-batch steps, momentum 0.9): softmax lr 1 (of 0.05 .. 2), svm lr 0.5 (of 0.1 .. 1).
//   random_search: every scale >= 0.3 picks the same draws (0.1896); smaller scales do worse.
//   adam 1e-3, rmsprop 1e-3, adagrad 0.03 (each of three step sizes, 20 epochs).

struct Setup {
  std::unique_ptr<Optimizer> optimizer;
  std::size_t epochs = 0;
  double reg = 0;
  std::string describe;
};

Setup make_setup(const std::string& name, const Args& a) {
  const bool svm = a.loss == "svm";
  Setup s;
  s.reg = a.reg >= 0 ? a.reg : (svm ? 1e-3 : 1e-4);
  auto lr_or = [&](double d) { return a.lr > 0 ? a.lr : d; };
  auto epochs_or = [&](std::size_t d, std::size_t quick) {
    return a.epochs > 0 ? a.epochs : (a.quick ? quick : d);
  };
  auto momentum_or = [&](double d) { return a.momentum >= 0 ? a.momentum : d; };
  if (name == "sgd" || name == "nesterov" || name == "sgd_plain") {
    SgdOptions o;
    const bool plain = name == "sgd_plain";
    o.step_size = lr_or(plain ? 0.2 : (svm ? 0.02 : 0.05));
    o.momentum = momentum_or(plain ? 0.0 : 0.9);
    o.nesterov = name == "nesterov";
    if (!plain) o.schedule = Schedule::cosine();
    s.optimizer = std::make_unique<Sgd>(o);
    s.epochs = epochs_or(plain ? 5 : (svm ? 30 : 20), 3);
    s.describe =
        fmt::format("{}lr {:g}, momentum {:g}, {}, batch {}", o.nesterov ? "Nesterov, " : "",
                    o.step_size, o.momentum, o.schedule.describe(), a.batch);
  } else if (name == "gd") {
    SgdOptions o;
    o.step_size = lr_or(svm ? 0.5 : 1.0);
    o.momentum = momentum_or(0.9);
    s.optimizer = std::make_unique<GradientDescent>(o);
    s.epochs = epochs_or(100, 20);
    s.describe = fmt::format("lr {:g}, momentum {:g}, full batch", o.step_size, o.momentum);
  } else if (name == "random_search") {
    RandomSearchOptions o;
    o.scale = lr_or(0.3);
    o.seed = a.seed;
    s.optimizer = std::make_unique<RandomSearch>(o);
    s.epochs = epochs_or(1000, 50);
    s.describe = fmt::format("W ~ {:g} N(0, 1)", o.scale);
  } else if (name == "random_local_search") {
    RandomLocalSearchOptions o;
    o.step_size = lr_or(1e-3);
    o.seed = a.seed;
    s.optimizer = std::make_unique<RandomLocalSearch>(o);
    s.epochs = epochs_or(1000, 50);
    s.describe = fmt::format("sigma {:g}", o.step_size);
  } else if (name == "adagrad") {
    AdaGradOptions o;
    o.step_size = lr_or(0.03);
    s.optimizer = std::make_unique<AdaGrad>(o);
    s.epochs = epochs_or(20, 3);
    s.describe = fmt::format("lr {:g}, batch {}", o.step_size, a.batch);
  } else if (name == "rmsprop") {
    RMSPropOptions o;
    o.step_size = lr_or(1e-3);
    o.schedule = Schedule::cosine();
    s.optimizer = std::make_unique<RMSProp>(o);
    s.epochs = epochs_or(20, 3);
    s.describe = fmt::format("lr {:g}, {}, batch {}", o.step_size, o.schedule.describe(), a.batch);
  } else if (name == "adam") {
    AdamOptions o;
    o.step_size = lr_or(1e-3);
    o.schedule = Schedule::cosine();
    s.optimizer = std::make_unique<Adam>(o);
    s.epochs = epochs_or(20, 3);
    s.describe = fmt::format("lr {:g}, {}, batch {}", o.step_size, o.schedule.describe(), a.batch);
  } else {  // lbfgs
    s.optimizer = std::make_unique<Lbfgs>();
    s.epochs = epochs_or(50, 15);
    s.describe = "memory 10, full batch";
  }
  return s;
}

struct Run {
  std::string name;
  std::string describe;
  double initial_loss = 0;
  Eval train, val, test;
  double seconds = 0;
  std::size_t steps = 0;
  std::string csv;
  bool gradient_free = false;
};

bool same_values(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() ||
        !std::equal(a[i].data<float>(), a[i].data<float>() + a[i].size(), b[i].data<float>()))
      return false;
  return true;
}

Run train(const std::string& name, const Args& a, const Data& d) {
  Setup setup = make_setup(name, a);
  Run r;
  r.name = name;
  r.describe = setup.describe;
  r.gradient_free = name == "random_search" || name == "random_local_search";
  const std::size_t dim = d.train.x.shape()[1];
  Model m = make_model(dim, 10, a.bias_trick, a.seed + 1);
  r.initial_loss = evaluate(a, setup.reg, m, d.train).loss;

  // A full-batch search evaluates the whole set per draw: 1,000 draws over 55,000 rows would take
  // about 20 s, so the random searches score their draws on the first 10,000 training rows.
  const std::size_t search_rows = std::min<std::size_t>(d.train.size(), 10000);
  Split search;
  if (r.gradient_free && search_rows < d.train.size()) {
    search = head(d.train, search_rows);
    r.describe += fmt::format(", loss on {} train rows", search_rows);
  }
  const Split& fit_on = search.x.defined() ? search : d.train;

  RowGather gather(fit_on.x, fit_on.y);
  Objective f;
  f.params = m.params();
  f.examples = fit_on.size();
  f.loss = [&](const Batch& batch) {
    if (batch.whole) return objective(a.loss, setup.reg, m, fit_on.x, fit_on.y);
    return objective(a.loss, setup.reg, m, gather.x(batch.indices), gather.y(batch.indices));
  };

  FitOptions fo;
  fo.epochs = setup.epochs;
  fo.batch_size = std::min(a.batch, fit_on.size());
  fo.seed = a.seed + 2;
  // Evaluated after every epoch; a search that kept its best point reuses the last evaluation.
  std::vector<Tensor> evaluated_at;
  Metrics last;
  fo.evaluate = [&]() {
    const std::vector<Tensor> now = snapshot(f.params);
    if (!same_values(now, evaluated_at)) {
      const Eval v = evaluate(a, setup.reg, m, d.val);
      last = Metrics{{"val_loss", v.loss}, {"val_accuracy", v.accuracy}};
      evaluated_at = now;
    }
    return last;
  };
  ProgressBar::Options po;
  if (setup.epochs > 50) po.line_interval = 1.0;  // many short epochs: a line a second at most
  ProgressBar progress(po);
  r.csv = (std::filesystem::path(a.out) / fmt::format("linear_classifier_{}_{}.csv", a.loss, name))
              .string();
  CsvLogger history(r.csv);

  const char* unit = r.gradient_free ? "draws" : setup.optimizer->full_batch() ? "steps" : "epochs";
  fmt::print("\n{} ({}), {} {}\n", name, r.describe, setup.epochs, unit);
  const FitResult res = fit(*setup.optimizer, f, fo, progress, history);
  r.seconds = res.seconds;
  r.steps = res.steps;
  r.train = evaluate(a, setup.reg, m, d.train);
  r.val = evaluate(a, setup.reg, m, d.val);
  r.test = evaluate(a, setup.reg, m, d.test);
  return r;
}

// ---- the gradient check ----

// The classifier's loss on 16 training rows, checked in float64 against finite differences.
bool gradient_check(const Args& a, const Data& d) {
  const std::size_t rows = 16, dim = d.train.x.shape()[1];
  const Split small = head(d.train, rows);
  const Variable x(small.x.value().to(Dtype::float64));
  const Labels y = small.y;
  const Model m0 = make_model(dim, 10, a.bias_trick, a.seed + 3, Dtype::float64, 0.05);
  std::vector<Tensor> inputs{m0.w.value()};
  if (!a.bias_trick) inputs.push_back(Tensor(randn({10}, a.seed + 4, Dtype::float64, 0.1)));
  const double reg = a.reg >= 0 ? a.reg : 1e-4;
  auto f = [&](const Inputs& in) {
    const Model m{in[0], a.bias_trick ? Variable() : in[1], a.bias_trick};
    return objective(a.loss, reg * 100, m, x, y);  // a larger lambda so the L2 term counts
  };
  const GradcheckResult r = gradcheck(f, inputs, {}, a.loss + " classifier");
  fmt::print("gradient check: {} ({} loss + L2 on {} rows in float64, W {}{})\n  {}\n",
             r.ok ? "ok" : "FAILED", a.loss, rows, shape_str(m0.w.shape()),
             a.bias_trick ? "" : " and b (10)", r.summary());
  return r.ok;
}

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

int run_main(const Args& a) {
  examples::prepare_out_dir(a.out);
  const Data d = load_data(a);
  fmt::print("data: {}: {} train, {} validation, {} test rows of {} features{}\n", d.source,
             d.train.size(), d.val.size(), d.test.size(), d.train.x.shape()[1],
             a.bias_trick ? " (bias trick: the last is 1)" : "");
  const bool grad_ok = gradient_check(a, d);

  std::vector<std::string> names = {a.optimizer};
  if (a.compare) {
    names = {"random_search", "gd", "sgd"};
    if (std::find(names.begin(), names.end(), a.optimizer) == names.end())
      names.push_back(a.optimizer);
  }
  std::vector<Run> runs;
  for (const auto& n : names) runs.push_back(train(n, a, d));

  print_table(runs);
  for (const Run& r : runs)
    fmt::print("loss history ({}): {}\n", r.name, std::filesystem::absolute(r.csv).string());

  bool ok = grad_ok;
  if (a.quick)
    for (const Run& r : runs)
      if (!r.gradient_free && !(r.train.loss < r.initial_loss)) {
        fmt::print("FAILED: {}'s training loss did not fall ({:.6g} -> {:.6g})\n", r.name,
                   r.initial_loss, r.train.loss);
        ok = false;
      }
  // The configuration reported: the one asked for, or with --compare the best on validation.
  const Run* chosen = &runs.front();
  for (const Run& r : runs)
    if (a.compare ? r.val.accuracy > chosen->val.accuracy : r.name == a.optimizer) chosen = &r;
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
  try {
    return run_main(a);
  } catch (const std::exception& e) {
    fmt::print(stderr, "linear_classifier: {}\n", e.what());
    return 2;
  }
}
