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
  /// Shared libraries to load first (--load): their static OpRegistration objects add their ops.
  std::vector<std::string> load;
  GradcheckOptions check;
  /// Seed of the registry's input generators (each op's cases), also the checker's seed.
  std::uint64_t seed = 42;
  /// Each op's cases are drawn this many times, from seed, seed + 1, ...
  std::size_t repeat = 1;
  bool list = false;
  bool help = false;
};

/// Parses the flags (not the program name), with CLI11. Throws ValueError naming the flag and the
/// value at fault: an unknown flag, a missing or malformed value, a step or tolerance out of range.
GradcheckCliOptions parse_gradcheck_cli(const std::vector<std::string>& args);

/// The usage text of --help.
std::string gradcheck_cli_usage();

/// dlopen()s a user's shared library (path as given, relative to the current directory when it
/// has no '/'), so that its static OpRegistration objects add its ops to op_registry(). It stays
/// loaded: the registry holds its code. Throws ValueError naming the file when it is missing or
/// not a shared library that can be loaded (dlerror's reason is quoted).
void load_op_library(const std::string& path);

/// Runs slope-gradcheck: loads the --load libraries, then prints the table of every case of every
/// selected op to `out`, then the line "N passed, M failed" (N, M count op cases). Returns 0 when
/// nothing failed, 1 when a case failed, 2 on bad usage or a library that cannot be loaded (message
/// on `err`).
int gradcheck_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace slope
