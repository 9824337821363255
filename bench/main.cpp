// SPDX-License-Identifier: MIT
// slope_bench: slope, libtorch and the bare BLAS products side by side, interleaved in one process.
//   slope_bench [--threads N] [--rows softmax,svm,mlp,mlp_layers,fullbatch,tiny,numgrad,memory]
//               [--quick]
//               [--markdown FILE] [--missed FILE] [--example "PROGRAM ARGS..."]
//               [--clock wall|cpu] [--rounds N] [--chunk-ms MS] [--skip CONTENDERS]
// Exits non-zero when slope and libtorch disagree (the cross-checks), not when a target is missed.
// Child mode (the memory row's libtorch side): slope_bench --memory-run torch [--epochs N]; slope's
// side is the program slope_bench_memory next to this one.
// Profiling: slope_bench --profile ROW [--side slope|libtorch|floor|...] [--steps N] runs one
// contender of one row alone, untimed (perf record -e cpu-clock slope_bench --profile mlp --steps
// 2000). Both paths build their rows from the one table, rows().
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli.hpp"
#include "harness.hpp"
#include "problem.hpp"
#include "rows.hpp"

namespace bench {
namespace {

struct Options {
  int threads = 1;
  std::vector<std::string> rows;  // empty: every row
  bool quick = false;
  std::string markdown;
  std::string missed;  // file for the keys of the rows that miss a target
  std::string example;
  std::string self;
  std::string profile;  // run one contender of one row alone, untimed (under a profiler)
  std::string side = "slope";
  int steps = 200;
  bool cpu_clock = false;
  int rounds = 21;
  double chunk_ms = 20;
  std::vector<std::string> skip;  // contenders left out of the timing, to see how they disturb
};

struct Row {
  std::string key;  // the --rows / --profile name
  std::string work;
  std::vector<Contender> cs;  // slope, libtorch, floor, then extra variants
  std::string check = "-";
  bool check_ok = true;
  double max_vs_floor = 0;  // target: slope / floor <= this (0: none)
  double min_vs_torch = 0;  // target: libtorch / slope >= this (0: none)
  // Filled for the memory row, whose cells are sizes rather than times.
  std::vector<std::string> cells;
  std::string vs_floor, vs_torch, verdict;
};

// A contender not made yet: the profile makes only the one it runs.
struct Maker {
  std::string name;
  std::function<Runner()> make;  // empty: the contender cannot run this row (the floor of tiny)
};

// One row of the table: what it measures, its targets, its contenders, its cross-check, its timing.
struct RowSpec {
  std::string key;
  std::string work;
  bool full_data = false;  // all 60,000 training rows (else the first 8,192)
  double max_vs_floor = 0, min_vs_torch = 0;
  std::function<std::vector<Maker>(const Problem&)> contenders;  // slope, libtorch, floor, ...
  std::function<void(Row&)> check;                               // before the timing
  double chunk_scale = 1;            // times the calibrated chunk; 0: one step per round
  int rounds = 0, quick_rounds = 0;  // 0: --rounds (5 with --quick)
};

bool wanted(const Options& o, const std::string& key) {
  return o.rows.empty() || std::find(o.rows.begin(), o.rows.end(), key) != o.rows.end();
}

std::string fmt_ratio(double r) {
  if (std::isnan(r)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", r);
  return buf;
}

std::string fmt_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return worst;
}

// The same first steps for slope and libtorch (or another contender) from the same parameters:
// their losses must agree.
void check_training(Row& row, int steps, double tol, std::size_t other = 1) {
  Contender& s = row.cs[0];
  Contender& t = row.cs[other];
  if (!s.present() || !t.present()) return;
  std::vector<double> ls, lt;
  for (int i = 0; i < steps; ++i) {
    ls.push_back(s.runner.step());
    lt.push_back(t.runner.step());
  }
  const double d = max_rel_diff(ls, lt);
  row.check_ok = d <= tol;
  row.check = "loss rel diff " + fmt_g(d) + " over " + std::to_string(steps) + " steps" +
              (row.check_ok ? "" : " (FAILED)");
}

void measure(Row& row, const std::vector<std::string>& skip, double chunk_seconds, int rounds) {
  std::vector<Contender*> cs;
  for (auto& c : row.cs)
    if (c.present() && std::find(skip.begin(), skip.end(), c.name) == skip.end()) cs.push_back(&c);
  calibrate(cs, chunk_seconds);
  time_interleaved(cs, rounds);
  const Contender &s = row.cs[0], &t = row.cs[1], &f = row.cs[2];
  const bool have_s = !s.seconds.empty();
  const double vs_floor = have_s && !f.seconds.empty() ? paired_ratio(s, f) : std::nan("");
  const double vs_torch = have_s && !t.seconds.empty() ? paired_ratio(t, s) : std::nan("");
  row.vs_floor = fmt_ratio(vs_floor);
  row.vs_torch = fmt_ratio(vs_torch);
  std::vector<std::string> verdicts;
  if (row.max_vs_floor > 0 && !std::isnan(vs_floor))
    verdicts.push_back(vs_floor <= row.max_vs_floor ? "met" : "MISSED (floor)");
  if (row.min_vs_torch > 0 && !std::isnan(vs_torch))
    verdicts.push_back(vs_torch >= row.min_vs_torch ? "met" : "MISSED (libtorch)");
  if (!have_s) verdicts.push_back("slope not timed");
  if (!row.check_ok) verdicts.push_back("CHECK FAILED");
  for (const auto& v : verdicts) row.verdict += (row.verdict.empty() ? "" : ", ") + v;
  if (row.verdict.empty()) row.verdict = "-";
  for (auto& c : row.cs) row.cells.push_back(format_cell(c));
}

std::string target_text(const Row& r) {
  std::string t;
  if (r.max_vs_floor > 0) t += "<= " + fmt_ratio(r.max_vs_floor) + " floor";
  if (r.min_vs_torch > 0)
    t += std::string(t.empty() ? "" : ", ") + ">= " + fmt_ratio(r.min_vs_torch) +
         " faster than libtorch";
  return t.empty() ? "-" : t;
}

TrainWork train_work(const Problem& p, std::size_t batch, std::size_t batches, std::size_t hidden,
                     LossKind loss, float lr) {
  TrainWork w;
  w.data = &p;
  w.batch = batch;
  w.batches = batches;
  w.hidden = hidden;
  w.loss = loss;
  w.lr = lr;
  const std::size_t width = hidden ? hidden : p.c;
  // He initialisation for the MLP, small weights for the linear classifiers.
  w.w1 = init_weights(p.d, width, 11, hidden ? std::sqrt(2.0f / float(p.d)) : 0.01f);
  w.b1.assign(width, 0.0f);
  if (hidden) {
    w.w2 = init_weights(hidden, p.c, 12, std::sqrt(2.0f / float(hidden)));
    w.b2.assign(p.c, 0.0f);
  }
  return w;
}

// slope's runner is made first: libtorch and the floor then read slope's batch tensors, so that
// all three stream the same memory (separate copies would double the working set and make
// whichever runs after another pay for the other's cache misses). Made alone (a profile), each
// reads the problem's rows.
std::vector<Maker> train_contenders(TrainWork work) {
  auto w = std::make_shared<TrainWork>(std::move(work));
  return {{"slope",
           [w] {
             Runner s = slope_train(*w);
             w->x = s.batches;
             return s;
           }},
          {"libtorch", [w] { return torch_train(*w); }},
          {"floor", [w] { return floor_train(*w); }},
          {"floor, one cblas call per product", [w] { return floor_train(*w, true); }}};
}

RowSpec row_spec(std::string key, std::string work, double max_vs_floor, double min_vs_torch) {
  RowSpec r;
  r.key = std::move(key);
  r.work = std::move(work);
  r.max_vs_floor = max_vs_floor;
  r.min_vs_torch = min_vs_torch;
  return r;
}

RowSpec train_row(std::string key, std::string work, std::size_t batch, std::size_t hidden,
                  LossKind loss, float lr, double max_vs_floor, double min_vs_torch) {
  RowSpec r = row_spec(std::move(key), std::move(work), max_vs_floor, min_vs_torch);
  r.full_data = batch == 60000;
  const std::size_t batches = r.full_data ? 1 : 8192 / batch;
  r.contenders = [=](const Problem& p) {
    return train_contenders(train_work(p, batch, batches, hidden, loss, lr));
  };
  const int steps = r.full_data ? 2 : 10;
  r.check = [steps](Row& row) { check_training(row, steps, 1e-4); };
  return r;
}

RowSpec tiny_row() {
  RowSpec r =
      row_spec("tiny", "tiny graph ((a*b + c).relu()).sum(), 2x2, forward + backward", 0, 10);
  r.contenders = [](const Problem&) {
    return std::vector<Maker>{{"slope", slope_tiny}, {"libtorch", torch_tiny}, {"floor", {}}};
  };
  r.check = [](Row& row) {
    if (!row.cs[1].present()) return;
    const double d = max_rel_diff(row.cs[0].runner.state(), row.cs[1].runner.state());
    const double v = std::abs(row.cs[0].runner.step() - row.cs[1].runner.step());
    row.check_ok = d <= 1e-6 && v <= 1e-6;
    row.check =
        "value and gradients rel diff " + fmt_g(std::max(d, v)) + (row.check_ok ? "" : " (FAILED)");
  };
  return r;
}

// The MLP step written with nn layers (slope's column) against the same step written with
// linear() and relu() (the floor's column), from the same parameters on the same batch tensors.
RowSpec layers_row() {
  RowSpec r = row_spec("mlp_layers",
                       "MLP 784-256-10 SGD step, batch 128, with nn::Sequential + nn::Linear + "
                       "nn::ReLU (floor column: the functional form, linear() and relu())",
                       1.03, 0);
  r.contenders = [](const Problem& p) {
    auto w =
        std::make_shared<TrainWork>(train_work(p, 128, 8192 / 128, 256, LossKind::softmax, 0.05f));
    auto both = std::make_shared<std::pair<Runner, Runner>>();
    auto make = [w, both] {
      if (!both->first.step) *both = slope_train_layers_and_functional(*w);
    };
    return std::vector<Maker>{{"slope",
                               [make, both] {
                                 make();
                                 return both->first;
                               }},
                              {"libtorch", {}},
                              {"floor", [make, both] {
                                 make();
                                 return both->second;
                               }}};
  };
  // The same ops on the same values: the losses agree to the last bit.
  r.check = [](Row& row) { check_training(row, 10, 0, 2); };
  r.chunk_scale = 2;
  return r;
}

RowSpec numgrad_row() {
  RowSpec r = row_spec(
      "numgrad", "numeric gradient, 7,850 parameters, batch 64, float64 (central differences)", 0,
      1.0);
  r.contenders = [](const Problem& p) {
    auto w = std::make_shared<NumgradWork>();
    w->data = &p;
    w->batch = 64;
    w->h = 1e-5;
    w->w = widen(init_weights(p.d, p.c, 11, 0.01f));
    w->b.assign(p.c, 0.0);
    return std::vector<Maker>{{"slope", [w] { return slope_numgrad(*w); }},
                              {"libtorch", [w] { return torch_numgrad(*w); }},
                              {"floor", [w] { return floor_numgrad(*w); }},
                              {"slope::gradcheck", [w] { return slope_numgrad_checker(*w); }}};
  };
  r.check = [](Row& row) {
    if (row.cs[0].present() && row.cs[1].present()) {
      row.cs[0].runner.step();
      row.cs[1].runner.step();
      const double d = max_rel_diff(row.cs[0].runner.state(), row.cs[1].runner.state());
      row.check_ok = d <= 1e-6;
      row.check = "numeric gradients abs diff " + fmt_g(d);
    }
    if (row.cs[3].present()) {
      row.cs[3].runner.step();
      const auto st = row.cs[3].runner.state();
      row.check += "; gradcheck " + std::string(st[0] == 1.0 ? "ok" : "FAILED") + " on " +
                   std::to_string(static_cast<long>(st[1])) + " coordinates";
      row.check_ok = row.check_ok && st[0] == 1.0;
    }
  };
  r.chunk_scale = 0;
  r.rounds = 5;
  r.quick_rounds = 2;
  return r;
}

// The table: every timed row, in the order they run and print. (The memory rows, measured in
// child processes, follow them: see memory_rows.)
const std::vector<RowSpec>& rows() {
  static const std::vector<RowSpec> table = [] {
    std::vector<RowSpec> t;
    t.push_back(train_row("softmax", "softmax SGD step, batch 128 (784 -> 10)", 128, 0,
                          LossKind::softmax, 0.1f, 1.25, 1.8));
    t.push_back(train_row("svm", "SVM SGD step, batch 128 (784 -> 10; libtorch multi_margin_loss)",
                          128, 0, LossKind::svm, 0.01f, 1.25, 1.6));
    t.push_back(train_row("mlp", "MLP 784-256-10 ReLU SGD step, batch 128", 128, 256,
                          LossKind::softmax, 0.05f, 1.15, 0));
    t.back().chunk_scale = 2;
    t.push_back(layers_row());
    t.push_back(train_row("fullbatch", "full-batch gradient-descent step, 60,000 (softmax)", 60000,
                          0, LossKind::softmax, 0.5f, 1.1, 0));
    t.back().chunk_scale = 0;
    t.back().rounds = 9;
    t.back().quick_rounds = 3;
    t.push_back(tiny_row());
    t.push_back(numgrad_row());
    return t;
  }();
  return table;
}

const RowSpec* find_row(const std::string& key) {
  for (const auto& r : rows())
    if (r.key == key) return &r;
  return nullptr;
}

Row make_row(const RowSpec& spec, const Problem& p) {
  Row r;
  r.key = spec.key;
  r.work = spec.work;
  r.max_vs_floor = spec.max_vs_floor;
  r.min_vs_torch = spec.min_vs_torch;
  for (auto& m : spec.contenders(p)) r.cs.emplace_back(m.name, m.make ? m.make() : Runner{});
  return r;
}

// Peak resident memory of a training run over the whole training set, against the data set's
// own size in float32 (60,000 x 784 x 4 bytes = 188 MB). Each child prints "peak X MB" (its own
// VmHWM, or wait4's ru_maxrss for a program run through slope_bench_memory --measure) and, for the
// training runs, "epoch k ... rss R MB" lines that show whether memory stays flat.
std::vector<Row> memory_rows(const Options& o) {
  const double data_mb = 60000.0 * 784 * 4 / 1e6;
  const std::string dir = o.self.substr(0, o.self.find_last_of('/') + 1);
  bool flat = true;  // every training run's RSS after its last epoch within 2% of its first
  auto child = [&](const std::vector<std::string>& argv, std::string& note) {
    std::string out;
    const int rc = run_child(argv, out);
    if (rc != 0) {
      note = "exit " + std::to_string(rc);
      return std::nan("");
    }
    std::istringstream lines(out);
    std::string line;
    double first = std::nan(""), last = std::nan(""), peak = std::nan("");
    while (std::getline(lines, line)) {
      const auto at = line.find(" rss ");
      if (line.rfind("epoch", 0) == 0 && at != std::string::npos) {
        last = std::atof(line.c_str() + at + 5);
        if (std::isnan(first)) first = last;
      }
      if (line.rfind("peak ", 0) == 0) peak = std::atof(line.c_str() + 5);
    }
    if (!std::isnan(first)) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "RSS after epoch 1 / last: %.0f / %.0f MB", first, last);
      note = buf;
      flat = flat && last <= 1.02 * first;
    }
    return peak;
  };
  auto mb = [](double v) {
    if (std::isnan(v)) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f MB", v);
    return std::string(buf);
  };
  std::vector<Row> rows;
  Row r;
  r.key = "memory";
  r.work = "peak memory, Fashion-MNIST softmax SGD training (2 epochs, batch 128)";
  std::string slope_note, torch_note;
  const double slope_peak = child({dir + "slope_bench_memory", "--epochs", "2"}, slope_note);
  double torch_peak = std::nan("");
  if (torch_available())
    torch_peak = child({o.self, "--memory-run", "torch", "--epochs", "2"}, torch_note);
  r.cells = {mb(slope_peak), mb(torch_peak), mb(data_mb) + " (the data set)"};
  r.vs_floor = fmt_ratio(slope_peak / data_mb);
  r.vs_torch = fmt_ratio(torch_peak / slope_peak);
  r.check = "slope " + slope_note + (torch_note.empty() ? "" : "; libtorch " + torch_note);
  r.verdict = std::isnan(slope_peak)        ? "did not run"
              : !flat                       ? "MISSED (grows)"
              : slope_peak <= 1.5 * data_mb ? "met"
                                            : "MISSED";
  rows.push_back(r);
  if (!o.example.empty()) {
    Row e;
    e.key = "memory_example";
    const std::string program = o.example.substr(0, o.example.find(' '));
    e.work = "peak memory, `" + program.substr(program.find_last_of('/') + 1) +
             o.example.substr(program.size()) + "`";
    std::vector<std::string> argv{dir + "slope_bench_memory", "--measure", "--"};
    std::istringstream words(o.example);
    for (std::string w; words >> w;) argv.push_back(w);
    std::string note;
    const double peak = child(argv, note);
    e.cells = {mb(peak), "-", mb(data_mb) + " (the data set)"};
    e.vs_floor = fmt_ratio(peak / data_mb);
    e.vs_torch = "-";
    e.check = note.empty() ? "wait4 ru_maxrss" : note;
    e.verdict = std::isnan(peak) ? "did not run" : peak <= 1.5 * data_mb ? "met" : "MISSED";
    rows.push_back(e);
  }
  return rows;
}

void print_table(std::ostream& out, const std::vector<Row>& rows, const Options& o) {
  out << "| work (" << o.threads << (o.threads == 1 ? " thread" : " threads")
      << ") | slope | libtorch | BLAS floor | slope / floor | libtorch / slope | target | "
         "verdict | cross-check |\n";
  out << "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& r : rows) {
    out << "| " << r.work;
    for (std::size_t i = 0; i < 3; ++i) out << " | " << (i < r.cells.size() ? r.cells[i] : "-");
    std::string target = target_text(r);
    if (r.key.rfind("memory", 0) == 0) target = "<= 1.50x the data set, flat";
    out << " | " << r.vs_floor << " | " << r.vs_torch << " | " << target << " | " << r.verdict
        << " | " << r.check << " |\n";
    // Extra variants as their own lines: slope's gradient checker (against libtorch), the floor
    // as one BLAS call per product (slope against it).
    for (std::size_t i = 3; i < r.cs.size(); ++i) {
      const Contender& x = r.cs[i];
      if (x.seconds.empty()) continue;
      if (x.name.rfind("floor", 0) == 0) {
        const double vs = r.cs[0].seconds.empty() ? std::nan("") : paired_ratio(r.cs[0], x);
        out << "| ... " << x.name << " | | | " << format_cell(x) << " | " << fmt_ratio(vs)
            << " | | | | |\n";
      } else {
        const double vs = r.cs[1].seconds.empty() ? std::nan("") : paired_ratio(r.cs[1], x);
        out << "| ... via " << x.name << " | " << format_cell(x) << " | | | | " << fmt_ratio(vs)
            << " | | | |\n";
      }
    }
  }
}

// Runs one contender of one row `o.steps` times with nothing else in the process (under a
// profiler).
int profile(const Options& o) {
  const RowSpec& spec = *find_row(o.profile);
  const Problem p = load_problem(spec.full_data ? 60000 : 8192, o.quick);
  Runner r;
  for (auto& m : spec.contenders(p))
    if (m.name == o.side && m.make) r = m.make();
  if (!r.step) {
    std::fprintf(stderr, "slope_bench: nothing to profile for %s on %s\n", o.profile.c_str(),
                 o.side.c_str());
    return 2;
  }
  double last = 0;
  for (int i = 0; i < o.steps; ++i) last = r.step();
  std::printf("%s %s: %d steps, last %.6g\n", o.side.c_str(), o.profile.c_str(), o.steps, last);
  return 0;
}

int run(const Options& o) {
  floor_set_threads(o.threads);
  torch_set_threads(o.threads);
  set_clock(o.cpu_clock ? Clock::cpu : Clock::wall);
  const int rounds = o.quick ? 5 : o.rounds;
  const double chunk = o.quick ? 0.005 : o.chunk_ms * 1e-3;
  print_header("slope_bench", o.threads, o.cpu_clock, floor_blas_config(), torch_version());
  bool need_full = false;
  for (const auto& spec : rows()) need_full = need_full || (wanted(o, spec.key) && spec.full_data);
  const Problem p = load_problem(need_full ? 60000 : 8192, o.quick);
  std::printf("data: %s, %zu rows\n", p.source.c_str(), p.n);
  std::vector<Row> done;
  for (const auto& spec : rows()) {
    if (!wanted(o, spec.key)) continue;
    done.push_back(make_row(spec, p));
    Row& r = done.back();
    spec.check(r);
    const int n = spec.rounds == 0 ? rounds : o.quick ? spec.quick_rounds : spec.rounds;
    measure(r, o.skip, chunk * spec.chunk_scale, n);
    std::printf("  %-60s slope %-24s torch %-24s floor %-24s %s\n", r.work.c_str(),
                r.cells[0].c_str(), r.cells[1].c_str(), r.cells[2].c_str(), r.verdict.c_str());
    std::fflush(stdout);
  }
  if (wanted(o, "memory")) {
    for (auto& r : memory_rows(o)) {
      std::printf("  %-60s slope %s torch %s (%s)\n", r.work.c_str(), r.cells[0].c_str(),
                  r.cells[1].c_str(), r.check.c_str());
      done.push_back(std::move(r));
    }
  }

  std::ostringstream table;
  print_table(table, done, o);
  std::printf("\n%s", table.str().c_str());
  if (!o.markdown.empty()) {
    std::ofstream f(o.markdown);
    f << table.str();
  }
  if (!o.missed.empty()) {
    std::ofstream f(o.missed);
    for (const auto& r : done)
      if (r.verdict.find("MISSED") != std::string::npos) f << r.key << "\n";
  }
  bool ok = true;
  for (const auto& r : done) ok = ok && r.check_ok;
  return ok ? 0 : 1;
}

void add_flags(CLI::App& app, Options& o, std::string& memory_run, int& epochs) {
  using namespace slope::cli;
  std::vector<std::string> keys;
  for (const auto& r : rows()) keys.push_back(r.key);
  app.add_option("--threads", o.threads, "BLAS and libtorch threads (default OPENBLAS_NUM_THREADS)")
      ->check(at_least(1))
      ->capture_default_str();
  keys.push_back("memory");
  app.add_option("--rows", o.rows, "the rows to run, comma-separated (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember(keys));
  app.add_flag("--quick", o.quick,
               "few rounds and short chunks (the test suite's run); synthetic data when "
               "Fashion-MNIST is not installed");
  app.add_option("--markdown", o.markdown, "also write the table to FILE");
  app.add_option("--missed", o.missed, "write the keys of the rows that miss a target to FILE");
  app.add_option("--example", o.example,
                 "\"PROGRAM ARGS...\": a program whose peak memory the memory row also measures");
  std::string clock = "wall";
  app.add_option("--clock", clock, "what times the steps: wall time or this process's CPU time")
      ->check(CLI::IsMember({"wall", "cpu"}))
      ->capture_default_str()
      ->each([&o](const std::string& c) { o.cpu_clock = c == "cpu"; });
  app.add_option("--rounds", o.rounds, "timed rounds per row")
      ->check(at_least(1))
      ->capture_default_str();
  app.add_option("--chunk-ms", o.chunk_ms, "milliseconds per contender per round")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--skip", o.skip, "contenders left out of the timing, comma-separated")
      ->delimiter(',')
      ->check(CLI::IsMember({"slope", "libtorch", "floor", "slope::gradcheck"}));
  keys.pop_back();
  app.add_option("--profile", o.profile, "run one contender of ROW alone, untimed")
      ->check(CLI::IsMember(keys));
  app.add_option("--side", o.side,
                 "--profile's contender: slope, libtorch, floor, or a variant (slope::gradcheck)")
      ->capture_default_str();
  app.add_option("--steps", o.steps, "--profile's steps")
      ->check(at_least(1))
      ->capture_default_str();
  app.add_option("--memory-run", memory_run, "child mode: the memory row's libtorch side")
      ->check(CLI::IsMember({"torch"}));
  app.add_option("--epochs", epochs, "--memory-run's epochs")
      ->check(at_least(1))
      ->capture_default_str();
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) try {
  bench::Options o;
  // This program's own path, for the memory row's children (argv[0] may be a bare name).
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  o.self = len > 0 ? std::string(self, static_cast<std::size_t>(len)) : argv[0];
  if (const char* env = std::getenv("OPENBLAS_NUM_THREADS"))
    o.threads = std::max(1, std::atoi(env));
  std::string memory_run;
  int epochs = 2;
  CLI::App app{"slope, libtorch and the bare BLAS products side by side.", "slope_bench"};
  bench::add_flags(app, o, memory_run, epochs);
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  if (memory_run == "torch") return bench::torch_memory_run(epochs);
  if (!o.profile.empty()) return bench::profile(o);
  return bench::run(o);
} catch (const std::exception& e) {
  std::fprintf(stderr, "slope_bench: %s\n", e.what());
  return 2;
}
