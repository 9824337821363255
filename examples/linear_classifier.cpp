// SPDX-License-Identifier: MIT
// The headline example: SVM and softmax linear classifiers on Fashion-MNIST (or CIFAR-10), trained
// by random search, gradient descent, SGD or any other slope optimizer (one flag swaps them). It
// checks the classifier's gradient first, trains with a progress bar, prints a table, writes the
// loss history (CSV), the learned templates (PNG), the training curves and the confusion matrix
// (SVG) in --out, and ends with `test accuracy: 0.XXXX`. Hyperparameters were chosen on the
// validation split, never on the test set. Run with --help for the options.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "fashion_data.hpp"
#include "out_dir.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;

struct Args {
  std::string loss = "softmax", optimizer = "sgd", data_set = "fashion-mnist";
  std::size_t epochs = 0;  // 0 (not a value --epochs accepts): the optimizer's default
  std::size_t batch = 128;
  double lr = 0, reg = -1, momentum = -1;  // 0 / < 0 (values the flags refuse): the defaults
  bool bias_trick = false, quick = false, compare = false;
  std::uint64_t seed = 0;
  std::string data = kFashionMnistDir, out = examples::kDefaultOutDir;
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

Variable data_loss(const std::string& loss, const Variable& scores, const Labels& y) {
  return loss == "svm" ? multiclass_svm(scores, y) : softmax_cross_entropy(scores, y);
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
  std::string describe;
};

Setup make_setup(const std::string& name, const Args& a) {
  const bool svm = a.loss == "svm";
  const double lr_given = a.lr, momentum = a.momentum >= 0 ? a.momentum : 0.9;
  auto lr = [&](double d) { return lr_given > 0 ? lr_given : d; };
  auto epochs = [&](std::size_t d, std::size_t quick) {
    return a.epochs > 0 ? a.epochs : (a.quick ? quick : d);
  };
  // A gradient method's options: its step size, and the cosine schedule when asked.
  auto gradient = [&](auto o, double step, bool cosine) {
    o.step_size = lr(step);
    if (cosine) o.schedule = Schedule::cosine();
    return o;
  };
  auto batched = [&](const GradientOptions& o, bool cosine) {
    return fmt::format("lr {:g}, {}batch {}", o.step_size,
                       cosine ? o.schedule.describe() + ", " : "", a.batch);
  };
  if (name == "sgd" || name == "nesterov" || name == "sgd_plain") {
    const bool plain = name == "sgd_plain";
    SgdOptions o = gradient(SgdOptions(), plain ? 0.2 : (svm ? 0.02 : 0.05), !plain);
    o.momentum = a.momentum >= 0 ? a.momentum : (plain ? 0.0 : 0.9);
    o.nesterov = name == "nesterov";
    return {std::make_unique<Sgd>(o), epochs(plain ? 5 : (svm ? 30 : 20), 3),
            fmt::format("{}lr {:g}, momentum {:g}, {}, batch {}", o.nesterov ? "Nesterov, " : "",
                        o.step_size, o.momentum, o.schedule.describe(), a.batch)};
  }
  if (name == "gd") {
    SgdOptions o = gradient(SgdOptions(), svm ? 0.5 : 1.0, false);
    o.momentum = momentum;
    return {std::make_unique<GradientDescent>(o), epochs(100, 20),
            fmt::format("lr {:g}, momentum {:g}, full batch", o.step_size, o.momentum)};
  }
  if (name == "random_search") {
    RandomSearchOptions o;
    o.scale = lr(0.3);
    o.seed = a.seed;
    return {std::make_unique<RandomSearch>(o), epochs(1000, 50),
            fmt::format("W ~ {:g} N(0, 1)", o.scale)};
  }
  if (name == "random_local_search") {
    RandomLocalSearchOptions o;
    o.step_size = lr(1e-3);
    o.seed = a.seed;
    return {std::make_unique<RandomLocalSearch>(o), epochs(1000, 50),
            fmt::format("sigma {:g}", o.step_size)};
  }
  if (name == "adagrad") {
    const AdaGradOptions o = gradient(AdaGradOptions(), 0.03, false);
    return {std::make_unique<AdaGrad>(o), epochs(20, 3), batched(o, false)};
  }
  if (name == "rmsprop") {
    const RMSPropOptions o = gradient(RMSPropOptions(), 1e-3, true);
    return {std::make_unique<RMSProp>(o), epochs(20, 3), batched(o, true)};
  }
  if (name == "adam") {
    const AdamOptions o = gradient(AdamOptions(), 1e-3, true);
    return {std::make_unique<Adam>(o), epochs(20, 3), batched(o, true)};
  }
  return {std::make_unique<Lbfgs>(), epochs(50, 15), "memory 10, full batch"};  // lbfgs
}

// ---- training ----

struct Run {
  std::string name, describe, csv;
  Model model;
  double initial_loss = 0, seconds = 0;
  Eval train, val, test;
  std::vector<Metrics> history;
  bool gradient_free = false;
};

Run train(const std::string& name, const Args& a, double reg, const Data& d) {
  Setup setup = make_setup(name, a);
  Run r;
  r.name = name;
  r.describe = setup.describe;
  r.model = make_model(d.train.x.shape()[1], a.bias_trick, a.seed + 1);
  r.gradient_free = name == "random_search" || name == "random_local_search";
  const Model& m = r.model;
  r.initial_loss = evaluate(a.loss, reg, m, d.train).loss;
  // A full-batch search evaluates the whole set per draw: 1,000 draws over 55,000 rows would take
  // about 20 s, so the random searches score their draws on the first 10,000 training rows.
  const bool cut = r.gradient_free && d.train.size() > 10000;
  const Split fit_on = cut ? head(d.train, 10000) : d.train;
  if (cut) r.describe += ", loss on 10000 train rows";

  RowGather gather(fit_on.x, fit_on.y);
  Objective f{m.params(),
              [&](const Batch& batch) {
                if (batch.whole) return objective(a.loss, reg, m, fit_on.x, fit_on.y);
                return objective(a.loss, reg, m, gather.x(batch.indices), gather.y(batch.indices));
              },
              fit_on.size()};
  FitOptions fo;
  fo.epochs = setup.epochs;
  fo.batch_size = std::min(a.batch, fit_on.size());
  fo.seed = a.seed + 2;
  // Evaluated after every epoch; a search that kept its best point reuses the last evaluation.
  std::vector<Tensor> evaluated_at;
  Metrics last;
  fo.evaluate = [&]() {
    std::vector<Tensor> now = snapshot(f.params);
    const bool same =
        now.size() == evaluated_at.size() &&
        std::equal(now.begin(), now.end(), evaluated_at.begin(), [](auto& p, auto& q) {
          return std::equal(p.template data<float>(), p.template data<float>() + p.size(),
                            q.template data<float>());
        });
    if (!same) {
      const Eval v = evaluate(a.loss, reg, m, d.val);
      last = Metrics{{"val_loss", v.loss}, {"val_accuracy", v.accuracy}};
      evaluated_at = std::move(now);
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
  FitResult res = fit(*setup.optimizer, f, fo, progress, history);
  r.seconds = res.seconds;
  r.history = std::move(res.history);
  r.train = evaluate(a.loss, reg, m, d.train);
  r.val = evaluate(a.loss, reg, m, d.val);
  r.test = evaluate(a.loss, reg, m, d.test);
  return r;
}

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

// ---- pictures: the templates (rows of W^T as images), the curves, the confusion matrix ----

std::vector<std::string> write_pictures(const Args& a, const Data& d, const Run& r) {
  namespace fs = std::filesystem;
  const auto path = [&](const char* name) { return fs::absolute(fs::path(a.out) / name).string(); };
  const std::size_t pixels = d.channels * d.side * d.side;  // W's rows past these: the bias
  const Tensor& w = r.model.w.value();                      // [D, 10]
  Tensor templates = Tensor::zeros({10, pixels}, Dtype::float32);
  for (std::size_t c = 0; c < 10; ++c)
    for (std::size_t i = 0; i < pixels; ++i) templates.set_flat(c * pixels + i, w.flat(i * 10 + c));
  viz::GridOptions grid;
  grid.scale = 3;
  viz::write_png(path("templates.png"),
                 viz::image_grid(templates, d.side, d.side, d.channels, grid));

  const auto series = [&](const char* name, const char* metric, bool right_axis) {
    viz::Series s;
    s.name = name;
    s.right_axis = right_axis;
    for (const Metrics& m : r.history) s.y.push_back(m.get(metric));
    return s;
  };
  viz::ChartOptions chart;
  chart.title = fmt::format("{} classifier, {}", a.loss, r.name);
  chart.x_label = "epoch";
  chart.y_label = "loss";
  chart.right_y_label = "accuracy";
  viz::line_chart(
      {series("training loss", "loss", false), series("validation loss", "val_loss", false),
       series("validation accuracy", "val_accuracy", true)},
      chart)
      .save(path("curves.svg"));

  NoGradGuard no_grad;
  const nn::ConfusionMatrix cm =
      nn::confusion_matrix(nn::argmax(r.model.scores(d.test.x).value()), d.test.y, 10);
  viz::confusion_heatmap(cm.counts, 10, d.names, "test set: true vs predicted class")
      .save(path("confusion.svg"));
  return {path("templates.png"), path("curves.svg"), path("confusion.svg")};
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
  const double reg = a.reg >= 0 ? a.reg : (a.loss == "svm" ? 1e-3 : 1e-4);
  bool ok = gradient_check(a, a.reg >= 0 ? a.reg : 1e-4, d);

  std::vector<std::string> names = {a.optimizer};
  if (a.compare) {
    names = {"random_search", "gd", "sgd"};
    if (std::find(names.begin(), names.end(), a.optimizer) == names.end())
      names.push_back(a.optimizer);
  }
  std::vector<Run> runs;
  for (const auto& n : names) runs.push_back(train(n, a, reg, d));

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
  const std::vector<std::string> pictures = write_pictures(a, d, *chosen);
  fmt::print("templates: {}\ncurves: {}\nconfusion matrix: {}\n", pictures[0], pictures[1],
             pictures[2]);
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
