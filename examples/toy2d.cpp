// SPDX-License-Identifier: MIT
// The lecture's interactive linear-classifier demo, offline: slope trains a linear classifier and
// a small two-layer net on 2-D toy data for every setting of a grid, and writes one page that
// replays every run.
//
// The page (--out DIR/toy2d.html; one self-contained file, no network, open it in any browser):
// - Pick the data (the lecture's nine points, CS231n's spiral, moons, circles, blobs), the model
//   (linear: scores = x W + b; two-layer: 2-32-C with ReLU), the loss (multiclass SVM or
//   softmax), the step size and the L2 strength lambda (in lambda * sum W^2, over every weight
//   matrix, not the biases). A new setting shows its run at the last step.
// - play replays the run (press again to pause); the slider scrubs through the kept steps. A link
//   may name a setting and a kept frame: toy2d.html#data=moons&model=two-layer&loss=svm&frame=0
//   (keys data, model, loss, step, reg as the menus spell their values; frame counts kept frames).
// - Left: the points, the decision regions (the predicted class on a 40 x 40 grid of the box)
//   and, for the linear model, each class's zero-score line w0 x + w1 y + b = 0 in its colour
//   (the class's score grows on the side its region lies, as far as the other classes allow).
// - Right: the loss curve (total, data loss, regularization loss at every step, a red marker at
//   the step shown), the three losses and the training accuracy as numbers, and for the linear
//   model W and b (W[0], W[1]: the class's column of W, the lecture's row of W).
// Each run is full-batch gradient descent (no momentum) from a seeded initialisation (nn::Linear's
// default); a run whose loss or gradient stops being finite (too large a step) ends there and the
// page says so. Still pictures of the final regions (default loss, step size and lambda, one per
// data set and model) go to DIR/toy2d_<data>_<model>.svg. The program prints the page's size and
// run count and ends with `default run (<setting>): <N> points, final loss 0.XXXXXX`: the points
// and the loss the page shows for the default run at its last step.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "out_dir.hpp"
#include "toy2d_page.hpp"  // kToy2dPage: examples/toy2d_page.html, embedded by CMake
#include <slope/slope.hpp>

namespace {

using namespace slope;

struct Args {
  std::uint64_t seed = 0;
  std::string out = examples::kDefaultOutDir;
  std::size_t steps = 0;  // 0 (not accepted by --steps): 300, or 60 with --quick
  std::size_t every = 0;  // 0 (not accepted by --every): 10, or 5 with --quick
  std::size_t hidden = 32;
  std::vector<double> step_sizes;  // empty: the grid's (see make_axes)
  std::vector<double> lambdas;
  bool quick = false;
};

void add_flags(CLI::App& app, Args& a) {
  using namespace slope::cli;
  app.add_option("--seed", a.seed, "seed for the data sets and the initial weights")
      ->check(at_least(0))
      ->capture_default_str();
  app.add_option("--out", a.out, "directory for toy2d.html and the still pictures")
      ->capture_default_str();
  app.add_option("--steps", a.steps, "gradient-descent steps per run (default 300; --quick 60)")
      ->check(at_least(1));
  app.add_option("--every", a.every,
                 "keep every k-th step's regions and W for the page (default 10; --quick 5); the "
                 "loss curves keep every step")
      ->check(at_least(1));
  app.add_option("--hidden", a.hidden, "hidden units of the two-layer net")
      ->check(at_least(1))
      ->capture_default_str();
  app.add_option("--step-sizes", a.step_sizes,
                 "the step sizes to try, comma-separated (default 0.01,0.1,0.3,1; --quick 1)")
      ->delimiter(',')
      ->check(positive());
  app.add_option("--lambdas", a.lambdas,
                 "the L2 strengths to try, comma-separated (default 0,0.001,0.01; --quick 0.001)")
      ->delimiter(',')
      ->check(non_negative());
  app.add_flag("--quick", a.quick,
               "two data sets, one step size and lambda, 60 steps (the test suite's run); exits "
               "non-zero when a run's loss did not fall");
}

// ---- the grid of settings ----

struct Toy {
  std::string name;
  Dataset d;
  std::size_t classes = 0;
  double box[4] = {0, 0, 0, 0};  // x0, x1, y0, y1: the square the pictures show
};

// A square around the points with a margin, so no point sits on the edge.
void fit_box(Toy& t) {
  const float* x = t.d.x.data<float>();
  double lo[2] = {x[0], x[1]}, hi[2] = {x[0], x[1]};
  for (std::size_t i = 0; i < t.d.size(); ++i)
    for (std::size_t j = 0; j < 2; ++j) {
      lo[j] = std::min<double>(lo[j], x[2 * i + j]);
      hi[j] = std::max<double>(hi[j], x[2 * i + j]);
    }
  const double half = 0.6 * std::max({hi[0] - lo[0], hi[1] - lo[1], 1.0});
  for (std::size_t j = 0; j < 2; ++j) {
    const double mid = (lo[j] + hi[j]) / 2;
    t.box[2 * j] = mid - half;
    t.box[2 * j + 1] = mid + half;
  }
}

std::vector<Toy> make_toys(const Args& a) {
  std::vector<Toy> toys = {{"lecture", lecture_points(), 3},
                           {"spiral", spiral(100, 3, 0.2, a.seed), 3}};
  if (!a.quick) {
    toys.push_back({"moons", moons(200, 0.1, a.seed), 2});
    toys.push_back({"circles", circles(200, 0.08, a.seed, 0.5), 2});
    toys.push_back({"blobs", blobs_2d(300, 4, 0.15, a.seed), 4});
  }
  for (Toy& t : toys) fit_box(t);
  return toys;
}

const Toy& toy_named(const std::vector<Toy>& toys, const std::string& name) {
  return *std::find_if(toys.begin(), toys.end(), [&](const Toy& t) { return t.name == name; });
}

struct Axes {
  std::vector<std::string> models = {"linear", "two-layer"};
  std::vector<std::string> losses = {"svm", "softmax"};
  std::vector<double> steps = {0.01, 0.1, 0.3, 1.0};
  std::vector<double> regs = {0.0, 0.001, 0.01};
};

Axes make_axes(const Args& a) {
  Axes x;
  if (a.quick) {
    x.steps = {1.0};
    x.regs = {0.001};
  }
  if (!a.step_sizes.empty()) x.steps = a.step_sizes;
  if (!a.lambdas.empty()) x.regs = a.lambdas;
  return x;
}

struct Setting {
  std::string data, model, loss;
  double step = 0, reg = 0;
  std::string key() const {
    return fmt::format("{}|{}|{}|{:g}|{:g}", data, model, loss, step, reg);
  }
};

// The run the page opens with and the program reports: the spiral, linear, softmax, step size 1,
// lambda 0.001, or the grid's last step size and first lambda when those are not in it.
Setting default_setting(const Axes& x) {
  auto has = [](const std::vector<double>& v, double d) {
    return std::find(v.begin(), v.end(), d) != v.end();
  };
  return {"spiral", "linear", "softmax", has(x.steps, 1.0) ? 1.0 : x.steps.back(),
          has(x.regs, 0.001) ? 0.001 : x.regs.front()};
}

// ---- one run ----

constexpr std::size_t kGrid = 40;  // the decision regions' cells per side

struct Frame {
  std::size_t step = 0;
  double data_loss = 0, reg_loss = 0, accuracy = 0;
  std::vector<double> w, b;  // linear model only: W [2, C] row-major, b [C]
  Labels regions;            // kGrid x kGrid classes, row 0 at the top of the box
};

struct Run {
  Setting s;
  std::size_t classes = 0;
  std::vector<double> data_loss, reg_loss;  // at every step 0 .. steps
  std::vector<Frame> frames;
  std::optional<std::size_t> diverged;  // the step whose loss or gradient was not finite
  double initial() const { return data_loss.front() + reg_loss.front(); }
  double final() const { return frames.back().data_loss + frames.back().reg_loss; }
};

// The centres of the grid's cells over the box, row by row from the top: float32 [G * G, 2].
Variable grid_points(const Toy& t) {
  Tensor g = Tensor::zeros({kGrid * kGrid, 2}, Dtype::float32);
  float* p = g.data<float>();
  const double cw = (t.box[1] - t.box[0]) / kGrid, ch = (t.box[3] - t.box[2]) / kGrid;
  for (std::size_t r = 0; r < kGrid; ++r)
    for (std::size_t c = 0; c < kGrid; ++c) {
      p[2 * (r * kGrid + c)] = static_cast<float>(t.box[0] + (static_cast<double>(c) + 0.5) * cw);
      p[2 * (r * kGrid + c) + 1] =
          static_cast<float>(t.box[3] - (static_cast<double>(r) + 0.5) * ch);
    }
  return Variable(std::move(g));
}

std::vector<double> values_of(const Variable& v) { return v.value().to_vector(); }

Run train_run(const Toy& toy, const Setting& s, const Args& a, std::size_t steps,
              std::size_t every) {
  Run run;
  run.s = s;
  run.classes = toy.classes;
  const bool linear = s.model == "linear";
  nn::Sequential net;
  std::vector<Variable> weights;  // what lambda penalises: the weight matrices, not the biases
  if (linear) {
    weights.push_back(
        net.emplace<nn::Linear>(2, toy.classes, nn::LinearOptions{true, a.seed + 1}).weight());
  } else {
    weights.push_back(
        net.emplace<nn::Linear>(2, a.hidden, nn::LinearOptions{true, a.seed + 1}).weight());
    net.emplace<nn::ReLU>();
    weights.push_back(
        net.emplace<nn::Linear>(a.hidden, toy.classes, nn::LinearOptions{true, a.seed + 2})
            .weight());
  }
  const Variable x(toy.d.x), grid = grid_points(toy);
  const Labels& y = toy.d.y;

  double data_now = 0, reg_now = 0;  // the parts of the last loss the objective computed
  Objective f;
  f.params = net.parameters();
  f.examples = toy.d.size();
  f.loss = [&](const Batch&) {
    const Variable scores = net.forward(x);
    const Variable data =
        s.loss == "svm" ? multiclass_svm(scores, y) : softmax_cross_entropy(scores, y);
    const Variable reg = l2(weights, s.reg);
    data_now = data.item();
    reg_now = reg.item();
    return data + reg;
  };
  SgdOptions o;
  o.step_size = s.step;
  GradientDescent gd(o);
  gd.begin(f);
  const Batch all = whole_batch(toy.d.size());

  // The picture of the parameters as they are now, before step t updates them.
  auto capture = [&](std::size_t t) {
    NoGradGuard no_grad;
    Frame fr;
    fr.step = t;
    fr.regions = nn::argmax(net.forward(grid).value());
    fr.accuracy = nn::accuracy(net.forward(x).value(), y);
    if (linear) {
      fr.w = values_of(f.params[0]);
      fr.b = values_of(f.params[1]);
    }
    return fr;
  };
  for (std::size_t t = 0; t <= steps; ++t) {
    const bool keep = t % every == 0 || t == steps;
    Frame fr;
    if (keep) fr = capture(t);
    try {
      if (t < steps) {
        StepInfo info;
        info.epoch = t;
        info.epochs = steps;
        info.iteration = t;
        gd.step(f, all, info);  // the loss at the parameters before the update: this frame's
      } else {
        loss_value(f, all);
      }
    } catch (const NonFiniteError&) {
      // Step t's loss or gradient is not finite; the step wrote nothing, so the parameters are
      // still step t's: its frame is the run's last.
      run.diverged = t;
      if (!keep) fr = capture(t);
    }
    run.data_loss.push_back(data_now);
    run.reg_loss.push_back(reg_now);
    if (keep || run.diverged) {
      fr.data_loss = data_now;
      fr.reg_loss = reg_now;
      run.frames.push_back(std::move(fr));
    }
    if (run.diverged) break;
  }
  return run;
}

// ---- the page ----

// Lengths 1 .. 64 as one character each (the page's decoder has the same table).
constexpr const char* kRunLengths =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The regions as pairs (class digit, run length), row-major: a few hundred bytes a frame.
std::string run_length_code(const Labels& cells) {
  std::string code;
  for (std::size_t i = 0; i < cells.size();) {
    std::size_t n = 1;
    while (i + n < cells.size() && cells[i + n] == cells[i] && n < 64) ++n;
    code += static_cast<char>('0' + cells[i]);
    code += kRunLengths[n - 1];
    i += n;
  }
  return code;
}

// A JSON number with `digits` significant digits; null for NaN and infinity (JSON has neither).
std::string json_number(double v, int digits = 4) {
  return std::isfinite(v) ? fmt::format("{:.{}g}", v, digits) : "null";
}

std::string json_numbers(const std::vector<double>& v, int digits = 4) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + json_number(v[i], digits);
  return out + "]";
}

std::string json_strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += fmt::format("{}\"{}\"", i ? "," : "", v[i]);
  return out + "]";
}

// The loss as the program prints it and the page shows it.
std::string loss_text(double v) { return fmt::format("{:.6f}", v); }

std::string json_run(const Run& r, std::size_t steps) {
  std::string frames;
  for (const Frame& f : r.frames) {
    frames += fmt::format(R"({}{{"s":{},"L":"{}","d":"{}","r":"{}","a":{},)",
                          frames.empty() ? "" : ",", f.step, loss_text(f.data_loss + f.reg_loss),
                          loss_text(f.data_loss), loss_text(f.reg_loss), json_number(f.accuracy));
    if (!f.w.empty())
      frames += fmt::format(R"("W":{},"b":{},)", json_numbers(f.w), json_numbers(f.b));
    frames += fmt::format(R"("g":"{}"}})", run_length_code(f.regions));
  }
  return fmt::format(R"({{"steps":{},"classes":{},"diverged":{},"dl":{},"rl":{},"frames":[{}]}})",
                     steps, r.classes, r.diverged ? std::to_string(*r.diverged) : "null",
                     json_numbers(r.data_loss), json_numbers(r.reg_loss), frames);
}

std::string json_toy(const Toy& t) {
  std::vector<double> y(t.d.y.begin(), t.d.y.end());
  return fmt::format(R"({{"box":{},"x":{},"y":{}}})",
                     json_numbers({t.box[0], t.box[1], t.box[2], t.box[3]}, 6),
                     json_numbers(t.d.x.to_vector(), 5), json_numbers(y));
}

std::vector<std::string> number_names(const std::vector<double>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (double x : v) out.push_back(fmt::format("{:g}", x));
  return out;
}

std::string page(const std::vector<Toy>& toys, const Axes& axes, const std::vector<Run>& runs,
                 const Setting& chosen, std::size_t steps) {
  std::vector<std::string> names;
  std::string data;
  for (const Toy& t : toys) {
    names.push_back(t.name);
    data += fmt::format(R"({}"{}":{})", data.empty() ? "" : ",", t.name, json_toy(t));
  }
  std::string all;
  for (const Run& r : runs)
    all += fmt::format(R"({}"{}":{})", all.empty() ? "" : ",", r.s.key(), json_run(r, steps));
  const std::string json = fmt::format(
      R"({{"grid":{},"data":{{{}}},"axes":{{"data":{},"model":{},"loss":{},"step":{},"reg":{}}},)"
      R"("default":{{"data":"{}","model":"{}","loss":"{}","step":"{:g}","reg":"{:g}"}},)"
      R"("runs":{{{}}}}})",
      kGrid, data, json_strings(names), json_strings(axes.models), json_strings(axes.losses),
      json_strings(number_names(axes.steps)), json_strings(number_names(axes.regs)), chosen.data,
      chosen.model, chosen.loss, chosen.step, chosen.reg, all);
  std::string html = kToy2dPage;
  const std::string slot = "/*TOY2D_DATA*/";
  html.replace(html.find(slot), slot.size(), json);
  return html;
}

// ---- still pictures ----

constexpr const char* kColours[] = {"#e41a1c", "#377eb8", "#4daf4a", "#984ea3"};

// The final regions, the points and (linear) the zero-score lines, as the page draws them.
void save_still(const Toy& t, const Run& r, const std::string& path) {
  const double size = 400, margin = 10, cell = size / kGrid;
  auto px = [&](double x) { return margin + (x - t.box[0]) / (t.box[1] - t.box[0]) * size; };
  auto py = [&](double y) { return margin + (t.box[3] - y) / (t.box[3] - t.box[2]) * size; };
  viz::Svg svg(size + 2 * margin, size + 2 * margin);
  const Frame& f = r.frames.back();
  for (std::size_t row = 0; row < kGrid; ++row)
    for (std::size_t col = 0; col < kGrid;) {
      const std::int64_t c = f.regions[row * kGrid + col];
      std::size_t end = col;
      while (end < kGrid && f.regions[row * kGrid + end] == c) ++end;
      svg.rect(margin + static_cast<double>(col) * cell, margin + static_cast<double>(row) * cell,
               static_cast<double>(end - col) * cell, cell,
               viz::fill(kColours[c]).with_opacity(0.3));
      col = end;
    }
  if (!f.w.empty())
    for (std::size_t c = 0; c < r.classes; ++c) {
      // w0 x + w1 y + b = 0 where it crosses the box's edges.
      const double w0 = f.w[c], w1 = f.w[r.classes + c], b = f.b[c];
      std::vector<std::pair<double, double>> ends;
      const double eps = 1e-9 * (t.box[1] - t.box[0]);
      auto add = [&](double x, double y) {
        if (x < t.box[0] - eps || x > t.box[1] + eps || y < t.box[2] - eps || y > t.box[3] + eps)
          return;
        for (const auto& [ex, ey] : ends)
          if (std::abs(ex - x) < eps && std::abs(ey - y) < eps) return;
        ends.emplace_back(x, y);
      };
      if (w1 != 0)
        for (double x : {t.box[0], t.box[1]}) add(x, -(w0 * x + b) / w1);
      if (w0 != 0)
        for (double y : {t.box[2], t.box[3]}) add(-(w1 * y + b) / w0, y);
      if (ends.size() >= 2)
        svg.line(px(ends[0].first), py(ends[0].second), px(ends[1].first), py(ends[1].second),
                 viz::stroke(kColours[c], 2));
    }
  const float* x = t.d.x.data<float>();
  for (std::size_t i = 0; i < t.d.size(); ++i)
    svg.circle(px(x[2 * i]), py(x[2 * i + 1]), t.d.size() > 50 ? 3.5 : 6,
               viz::fill(kColours[t.d.y[i]]).with_stroke("#000"));
  svg.rect(margin, margin, size, size, viz::stroke("#999"));
  svg.text(margin + 4, margin + 14,
           fmt::format("{}, {}, {}, step size {:g}, lambda {:g}", t.name, r.s.model, r.s.loss,
                       r.s.step, r.s.reg),
           11);
  svg.text(
      margin + 4, margin + 28,
      fmt::format("step {}: loss {}, accuracy {:.3f}", f.step, loss_text(r.final()), f.accuracy),
      11);
  svg.save(path);
}

int run_main(const Args& a) {
  const auto out = examples::prepare_out_dir(a.out);
  const std::size_t steps = a.steps ? a.steps : (a.quick ? 60 : 300);
  const std::size_t every = a.every ? a.every : (a.quick ? 5 : 10);
  const std::vector<Toy> toys = make_toys(a);
  const Axes axes = make_axes(a);
  const Setting chosen = default_setting(axes);

  std::vector<Run> runs;
  for (const Toy& t : toys)
    for (const auto& model : axes.models)
      for (const auto& loss : axes.losses)
        for (double step : axes.steps)
          for (double reg : axes.regs)
            runs.push_back(train_run(t, {t.name, model, loss, step, reg}, a, steps, every));

  std::size_t rose = 0, diverged = 0;
  const Run* default_run = nullptr;
  for (const Run& r : runs) {
    if (r.diverged) ++diverged;
    if (!(r.final() < r.initial())) {
      ++rose;
      if (a.quick)
        fmt::print("FAILED: the loss of {} did not fall ({:.6g} -> {:.6g})\n", r.s.key(),
                   r.initial(), r.final());
    }
    if (r.s.key() == chosen.key()) default_run = &r;
  }

  const std::string html = page(toys, axes, runs, chosen, steps);
  const auto html_path = out / "toy2d.html";
  std::ofstream(html_path, std::ios::binary) << html;
  if (!std::filesystem::exists(html_path) || std::filesystem::file_size(html_path) != html.size())
    throw ValueError(fmt::format("--out: could not write '{}'", html_path.string()));

  std::vector<std::string> stills;
  for (const Run& r : runs)
    if (r.s.loss == chosen.loss && r.s.step == chosen.step && r.s.reg == chosen.reg) {
      const Toy& t = toy_named(toys, r.s.data);
      const auto path = out / fmt::format("toy2d_{}_{}.svg", r.s.data, r.s.model);
      save_still(t, r, path.string());
      stills.push_back(path.string());
    }

  fmt::print(
      "{} runs ({} data sets x {} models x {} losses x {} step sizes x {} lambdas), {} "
      "steps each, regions every {} steps\n",
      runs.size(), toys.size(), axes.models.size(), axes.losses.size(), axes.steps.size(),
      axes.regs.size(), steps, every);
  for (const Run& r : runs)
    if (r.s.step == chosen.step && r.s.reg == chosen.reg)
      fmt::print("  {:<8} {:<9} {:<7} loss {:>9} -> {:>9}, accuracy {:.3f}\n", r.s.data, r.s.model,
                 r.s.loss, loss_text(r.initial()), loss_text(r.final()), r.frames.back().accuracy);
  fmt::print("{} of {} runs stopped early (a loss or gradient not finite); the loss rose in {}\n",
             diverged, runs.size(), rose);
  fmt::print("page: {} ({:.2f} MB)\n", std::filesystem::absolute(html_path).string(),
             static_cast<double>(html.size()) / 1e6);
  for (const auto& s : stills) fmt::print("still: {}\n", std::filesystem::absolute(s).string());
  fmt::print("default run ({}): {} points, final loss {}\n", chosen.key(),
             toy_named(toys, chosen.data).d.size(), loss_text(default_run->final()));
  return a.quick && rose > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{
      "Trains linear classifiers and two-layer nets on 2-D toy data for a grid of settings and "
      "writes one self-contained HTML page that replays every run (the lecture's interactive "
      "demo, offline).",
      "toy2d"};
  add_flags(app, a);
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  try {
    return run_main(a);
  } catch (const std::exception& e) {
    fmt::print(stderr, "toy2d: {}\n", e.what());
    return 2;
  }
}
