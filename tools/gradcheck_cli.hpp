// SPDX-License-Identifier: MIT
// slope-gradcheck: every registered op's gradients checked from the command line. The logic is a
// library so that a test can link it together with an op whose backward is deliberately wrong.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <slope/slope.hpp>

namespace slope {

struct GradcheckCliOptions {
  std::vector<std::string> ops;  // empty: every registered op
  GradcheckOptions check;
  /// Seed of the registry's input generators (each op's cases), also the checker's seed.
  std::uint64_t seed = 42;
  /// Each op's cases are drawn this many times, from seed, seed + 1, ...
  std::size_t repeat = 1;
  bool list = false;
  bool help = false;
};

/// Parses the flags (not the program name). Throws ValueError naming the flag and the value at
/// fault: an unknown flag, a missing or malformed value, a step or tolerance out of range.
GradcheckCliOptions parse_gradcheck_cli(const std::vector<std::string>& args);

/// The usage text of --help.
std::string gradcheck_cli_usage();

/// Runs slope-gradcheck: prints the table of every case of every selected op to `out`, then the
/// line "N passed, M failed" (N, M count op cases). Returns 0 when nothing failed, 1 when a case
/// failed, 2 on bad usage (message on `err`).
int gradcheck_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace slope
