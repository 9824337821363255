// SPDX-License-Identifier: MIT
// Interleaved timing: each round runs every contender once, in rotating order, for a fixed number
// of steps, so that the machine's slow and fast moments fall on all of them alike. Medians and
// min-max over rounds; ratios are the median of the per-round ratios (paired samples).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rows.hpp"

namespace bench {

struct Contender {
  Contender(std::string n, Runner r) : name(std::move(n)), runner(std::move(r)) {}
  std::string name;
  Runner runner;
  int iters = 1;                // steps per round (calibrated)
  std::vector<double> seconds;  // per step, one entry per round
  bool present() const { return static_cast<bool>(runner.step); }
};

struct Summary {
  double median = 0, min = 0, max = 0;
};

/// Which clock times the steps: wall time, or this process's CPU time (immune to time slices lost
/// to other processes on a shared machine; equal to wall time for one busy thread).
enum class Clock { wall, cpu };
void set_clock(Clock c);

/// Picks each contender's steps per round so that one round of it takes about `chunk_seconds`.
void calibrate(std::vector<Contender*>& cs, double chunk_seconds);
/// Runs `rounds` interleaved rounds (plus one discarded warm-up round).
void time_interleaved(std::vector<Contender*>& cs, int rounds);

Summary summarize(std::vector<double> v);
/// Median over rounds of a.seconds[r] / b.seconds[r].
double paired_ratio(const Contender& a, const Contender& b);

/// "98.1 us", "1.23 ms", "0.61 s".
std::string format_time(double seconds);
/// "98.1 us (95.2-104)" or "-" when the contender did not run.
std::string format_cell(const Contender& c);

/// OPENBLAS_CORETYPE's value, or "(unset)": the kernels OpenBLAS was told to use instead of the
/// ones it detects (every bench prints it, since it changes the figures).
std::string openblas_coretype();
/// Prints a bench's first line: `program: N thread(s), wall|process CPU time; BLAS: ...;
/// libtorch: ...; OPENBLAS_CORETYPE=...`.
void print_header(const char* program, int threads, bool cpu_clock, const std::string& blas,
                  const std::string& torch);

/// Runs `argv` as a child process, collecting its standard output; returns its exit status.
int run_child(const std::vector<std::string>& argv, std::string& output);

}  // namespace bench
