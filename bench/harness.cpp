// SPDX-License-Identifier: MIT
#include "harness.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace bench {

std::string openblas_coretype() {
  const char* v = std::getenv("OPENBLAS_CORETYPE");
  return v ? v : "(unset)";
}

void print_header(const char* program, int threads, bool cpu_clock, const std::string& blas,
                  const std::string& torch) {
  std::printf("%s: %d thread(s), %s time; BLAS: %s; libtorch: %s; OPENBLAS_CORETYPE=%s\n", program,
              threads, cpu_clock ? "process CPU" : "wall", blas.c_str(), torch.c_str(),
              openblas_coretype().c_str());
}

namespace {
Clock g_clock = Clock::wall;

double now() {
  if (g_clock == Clock::cpu) {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double run_steps(Contender& c, int iters) {
  const double t0 = now();
  for (int i = 0; i < iters; ++i) c.runner.step();
  return (now() - t0) / iters;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

void set_clock(Clock c) { g_clock = c; }

void calibrate(std::vector<Contender*>& cs, double chunk_seconds) {
  for (Contender* c : cs) {
    c->iters = 1;
    if (chunk_seconds <= 0) continue;  // slow rows: one step per round
    run_steps(*c, 1);                  // warm caches and allocators
    const double t = run_steps(*c, 1);
    c->iters = std::clamp(static_cast<int>(chunk_seconds / std::max(t, 1e-9)), 1, 100000);
  }
}

void time_interleaved(std::vector<Contender*>& cs, int rounds) {
  for (int r = -1; r < rounds; ++r) {
    for (std::size_t i = 0; i < cs.size(); ++i) {
      Contender& c = *cs[(i + static_cast<std::size_t>(r + 1)) % cs.size()];
      const double t = run_steps(c, c.iters);
      if (r >= 0) c.seconds.push_back(t);
    }
  }
}

Summary summarize(std::vector<double> v) {
  if (v.empty()) return {};
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {median_of(v), *lo, *hi};
}

double paired_ratio(const Contender& a, const Contender& b) {
  std::vector<double> r;
  for (std::size_t i = 0; i < std::min(a.seconds.size(), b.seconds.size()); ++i)
    r.push_back(a.seconds[i] / b.seconds[i]);
  return r.empty() ? std::nan("") : median_of(r);
}

namespace {
// The unit a time reads best in: microseconds, milliseconds or seconds.
std::pair<double, const char*> unit_for(double s) {
  if (s < 1e-3) return {1e6, "us"};
  if (s < 1.0) return {1e3, "ms"};
  return {1.0, "s"};
}
}  // namespace

std::string format_time(double s) {
  const auto [scale, unit] = unit_for(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g %s", s * scale, unit);
  return buf;
}

std::string format_cell(const Contender& c) {
  if (c.seconds.empty()) return "-";
  const Summary s = summarize(c.seconds);
  const auto [scale, unit] = unit_for(s.median);
  // Three significant digits, never an exponent (1003 us reads "1003", not "1e+03").
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    return std::string(b);
  };
  return num(s.median * scale) + " " + unit + " (" + num(s.min * scale) + "-" + num(s.max * scale) +
         ")";
}

int run_child(const std::vector<std::string>& argv, std::string& output) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    return -1;
  }
  char buf[4096];
  ssize_t got = 0;
  while ((got = read(fds[0], buf, sizeof buf)) > 0)
    output.append(buf, static_cast<std::size_t>(got));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace bench
