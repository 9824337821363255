// SPDX-License-Identifier: MIT
// slope_bench: slope, libtorch and the bare BLAS products side by side, interleaved in one process.
//   slope_bench [--threads N] [--rows softmax,svm,mlp,fullbatch,tiny,numgrad,memory] [--quick]
//               [--markdown FILE] [--missed FILE] [--example "PROGRAM ARGS..."]
//               [--clock wall|cpu] [--rounds N] [--chunk-ms MS] [--skip CONTENDERS]
// Exits non-zero when slope and libtorch disagree (the cross-checks), not when a target is missed.
// Child mode (the memory row's libtorch side): slope_bench --memory-run torch [--epochs N]; slope's
// side is the program slope_bench_memory next to this one.
// Profiling: slope_bench --profile ROW [--side slope|libtorch|floor] [--steps N] runs one side
// of one row alone, untimed (perf record -e cpu-clock slope_bench --profile mlp --steps 2000).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "harness.hpp"
#include "problem.hpp"
#include "rows.hpp"

namespace bench {
namespace {

struct Options {
  int threads = 1;
  std::string rows = "softmax,svm,mlp,fullbatch,tiny,numgrad,memory";
  bool quick = false;
  std::string markdown;
  std::string missed;  // file for the keys of the rows that miss a target
  std::string example;
  std::string self;
  std::string profile;  // run one side of one row alone, untimed (under a profiler)
  std::string side = "slope";
  int steps = 200;
  bool cpu_clock = false;
  int rounds = 21;
  double chunk_ms = 20;
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

bool wanted(const Options& o, const char* key) {
  return ("," + o.rows + ",").find(std::string(",") + key + ",") != std::string::npos;
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

// The same first steps for slope and libtorch from the same parameters: their losses must agree.
void check_training(Row& row, int steps, double tol) {
  Contender& s = row.cs[0];
  Contender& t = row.cs[1];
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

// Contenders left out of the timing (--skip libtorch,floor), to see how they disturb each other.
std::string g_skip;

void measure(Row& row, double chunk_seconds, int rounds) {
  std::vector<Contender*> cs;
  for (auto& c : row.cs)
    if (c.present() && ("," + g_skip + ",").find("," + c.name + ",") == std::string::npos)
      cs.push_back(&c);
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
  if (!have_s) verdicts.push_back("slope cannot run it yet");
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

// slope's runner first: libtorch and the floor then read slope's batch tensors, so that all three
// stream the same memory (separate copies would double the working set and make whichever runs
// after another pay for the other's cache misses).
Row train_row(const std::string& key, const std::string& work, TrainWork w, double max_vs_floor,
              double min_vs_torch) {
  Row r;
  r.key = key;
  r.work = work;
  Runner s = slope_train(w);
  w.x = s.batches;
  r.cs = {{"slope", std::move(s)},
          {"libtorch", torch_train(w)},
          {"floor", floor_train(w)},
          {"floor, one cblas call per product", floor_train(w, true)}};
  r.max_vs_floor = max_vs_floor;
  r.min_vs_torch = min_vs_torch;
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
  r.verdict = std::isnan(slope_peak)        ? "slope cannot run it yet"
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
    std::vector<std::string> argv{dir + "slope_bench_memory", "--measure"};
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

// Runs one side of one row `o.steps` times with nothing else in the process (under a profiler).
int profile(const Options& o) {
  const Problem p = load_problem(o.profile == "fullbatch" ? 60000 : 8192);
  Runner r;
  const bool torch = o.side == "libtorch", floor = o.side == "floor";
  auto train = [&](const TrainWork& w) {
    return torch ? torch_train(w) : floor ? floor_train(w) : slope_train(w);
  };
  if (o.profile == "softmax") r = train(train_work(p, 128, 64, 0, LossKind::softmax, 0.1f));
  if (o.profile == "svm") r = train(train_work(p, 128, 64, 0, LossKind::svm, 0.01f));
  if (o.profile == "mlp") r = train(train_work(p, 128, 64, 256, LossKind::softmax, 0.05f));
  if (o.profile == "fullbatch") r = train(train_work(p, 60000, 1, 0, LossKind::softmax, 0.5f));
  if (o.profile == "tiny") r = torch ? torch_tiny() : slope_tiny();
  if (o.profile == "numgrad" || o.profile == "gradcheck") {
    NumgradWork w;
    w.data = &p;
    w.w = widen(init_weights(p.d, p.c, 11, 0.01f));
    w.b.assign(p.c, 0.0);
    r = torch                      ? torch_numgrad(w)
        : floor                    ? floor_numgrad(w)
        : o.profile == "gradcheck" ? slope_numgrad_checker(w)
                                   : slope_numgrad(w);
  }
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
  std::printf("slope_bench: %d thread(s), %s time; BLAS: %s; libtorch: %s\n", o.threads,
              o.cpu_clock ? "process CPU" : "wall", floor_blas_config().c_str(),
              torch_version().c_str());
  const bool need_full = wanted(o, "fullbatch");
  const Problem p = load_problem(need_full ? 60000 : 8192);
  std::printf("data: %s, %zu rows\n", p.source.c_str(), p.n);
  const std::size_t batches = 8192 / 128;
  std::vector<Row> rows;
  auto done = [&rows]() {
    const Row& r = rows.back();
    std::printf("  %-60s slope %-24s torch %-24s floor %-24s %s\n", r.work.c_str(),
                r.cells[0].c_str(), r.cells[1].c_str(), r.cells[2].c_str(), r.verdict.c_str());
    std::fflush(stdout);
  };

  if (wanted(o, "softmax")) {
    rows.push_back(train_row("softmax", "softmax SGD step, batch 128 (784 -> 10)",
                             train_work(p, 128, batches, 0, LossKind::softmax, 0.1f), 1.25, 1.8));
    check_training(rows.back(), 10, 1e-4);
    measure(rows.back(), chunk, rounds);
    done();
  }
  if (wanted(o, "svm")) {
    rows.push_back(train_row("svm",
                             "SVM SGD step, batch 128 (784 -> 10; libtorch multi_margin_loss)",
                             train_work(p, 128, batches, 0, LossKind::svm, 0.01f), 1.25, 1.6));
    check_training(rows.back(), 10, 1e-4);
    measure(rows.back(), chunk, rounds);
    done();
  }
  if (wanted(o, "mlp")) {
    rows.push_back(train_row("mlp", "MLP 784-256-10 ReLU SGD step, batch 128",
                             train_work(p, 128, batches, 256, LossKind::softmax, 0.05f), 1.15, 0));
    check_training(rows.back(), 10, 1e-4);
    measure(rows.back(), chunk * 2, rounds);
    done();
  }
  if (need_full) {
    rows.push_back(train_row("fullbatch", "full-batch gradient-descent step, 60,000 (softmax)",
                             train_work(p, 60000, 1, 0, LossKind::softmax, 0.5f), 1.1, 0));
    check_training(rows.back(), 2, 1e-4);
    measure(rows.back(), 0, o.quick ? 3 : 9);
    done();
  }
  if (wanted(o, "tiny")) {
    Row r;
    r.key = "tiny";
    r.work = "tiny graph ((a*b + c).relu()).sum(), 2x2, forward + backward";
    r.cs = {{"slope", slope_tiny()}, {"libtorch", torch_tiny()}, {"floor", {}}};
    r.min_vs_torch = 10;
    if (r.cs[1].present()) {
      const double d = max_rel_diff(r.cs[0].runner.state(), r.cs[1].runner.state());
      const double v = std::abs(r.cs[0].runner.step() - r.cs[1].runner.step());
      r.check_ok = d <= 1e-6 && v <= 1e-6;
      r.check =
          "value and gradients rel diff " + fmt_g(std::max(d, v)) + (r.check_ok ? "" : " (FAILED)");
    }
    rows.push_back(std::move(r));
    measure(rows.back(), chunk, rounds);
    done();
  }
  if (wanted(o, "numgrad")) {
    NumgradWork w;
    w.data = &p;
    w.batch = 64;
    w.h = 1e-5;
    w.w = widen(init_weights(p.d, p.c, 11, 0.01f));
    w.b.assign(p.c, 0.0);
    Row r;
    r.key = "numgrad";
    r.work = "numeric gradient, 7,850 parameters, batch 64, float64 (central differences)";
    r.cs = {{"slope", slope_numgrad(w)},
            {"libtorch", torch_numgrad(w)},
            {"floor", floor_numgrad(w)},
            {"slope::gradcheck", slope_numgrad_checker(w)}};
    r.min_vs_torch = 1.0;
    if (r.cs[0].present() && r.cs[1].present()) {
      r.cs[0].runner.step();
      r.cs[1].runner.step();
      const double d = max_rel_diff(r.cs[0].runner.state(), r.cs[1].runner.state());
      r.check_ok = d <= 1e-6;
      r.check = "numeric gradients abs diff " + fmt_g(d);
    }
    if (r.cs[3].present()) {
      r.cs[3].runner.step();
      const auto st = r.cs[3].runner.state();
      r.check += "; gradcheck " + std::string(st[0] == 1.0 ? "ok" : "FAILED") + " on " +
                 std::to_string(static_cast<long>(st[1])) + " coordinates";
      r.check_ok = r.check_ok && st[0] == 1.0;
    }
    rows.push_back(std::move(r));
    measure(rows.back(), 0, o.quick ? 2 : 5);
    done();
  }
  if (wanted(o, "memory")) {
    for (auto& r : memory_rows(o)) {
      std::printf("  %-60s slope %s torch %s (%s)\n", r.work.c_str(), r.cells[0].c_str(),
                  r.cells[1].c_str(), r.check.c_str());
      rows.push_back(std::move(r));
    }
  }

  std::ostringstream table;
  print_table(table, rows, o);
  std::printf("\n%s", table.str().c_str());
  if (!o.markdown.empty()) {
    std::ofstream f(o.markdown);
    f << table.str();
  }
  if (!o.missed.empty()) {
    std::ofstream f(o.missed);
    for (const auto& r : rows)
      if (r.verdict.find("MISSED") != std::string::npos) f << r.key << "\n";
  }
  bool ok = true;
  for (const auto& r : rows) ok = ok && r.check_ok;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  bench::Options o;
  // This program's own path, for the memory row's children (argv[0] may be a bare name).
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  o.self = len > 0 ? std::string(self, static_cast<std::size_t>(len)) : argv[0];
  if (const char* env = std::getenv("OPENBLAS_NUM_THREADS"))
    o.threads = std::max(1, std::atoi(env));
  std::string memory_run;
  int epochs = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "slope_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--threads")
      o.threads = std::max(1, std::atoi(next().c_str()));
    else if (a == "--rows")
      o.rows = next();
    else if (a == "--quick")
      o.quick = true;
    else if (a == "--markdown")
      o.markdown = next();
    else if (a == "--rounds")
      o.rounds = std::max(1, std::atoi(next().c_str()));
    else if (a == "--chunk-ms")
      o.chunk_ms = std::atof(next().c_str());
    else if (a == "--skip")
      bench::g_skip = next();
    else if (a == "--missed")
      o.missed = next();
    else if (a == "--example")
      o.example = next();
    else if (a == "--memory-run")
      memory_run = next();
    else if (a == "--clock")
      o.cpu_clock = next() == "cpu";
    else if (a == "--profile")
      o.profile = next();
    else if (a == "--side")
      o.side = next();
    else if (a == "--steps")
      o.steps = std::atoi(next().c_str());
    else if (a == "--epochs")
      epochs = std::atoi(next().c_str());
    else {
      std::fprintf(
          stderr,
          "usage: slope_bench [--threads N] [--rows LIST] [--quick] [--markdown FILE] [--missed "
          "FILE] "
          "[--example \"PROGRAM ARGS\"] [--clock wall|cpu]\n       slope_bench --memory-run torch "
          "[--epochs N]\n       slope_bench --profile ROW [--side slope|libtorch|floor] "
          "[--steps N]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (memory_run == "torch") return bench::torch_memory_run(epochs);
  if (!o.profile.empty()) return bench::profile(o);
  return bench::run(o);
}
