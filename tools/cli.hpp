// SPDX-License-Identifier: MIT
// The one command-line convention of slope's programs, on CLI11: `--help` prints the usage and
// exits 0; `--flag value` and `--flag=value` both work; an unknown flag or a bad value exits 2
// with a message naming the flag and the value, never replaced by a default.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace slope::cli {

/// The exit status of a usage error (a bad flag or value), as in getopt-based tools.
inline constexpr int kUsageError = 2;

/// Parses argv into `app`. Returns nothing when the program should go on, else its exit status:
/// 0 after --help (usage on stdout), kUsageError after a bad flag or value (message on stderr).
inline std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << " (see --help)\n";
    return kUsageError;
  }
  return std::nullopt;
}

namespace detail {
// A validator over the flag's number; `ok` says whether it is acceptable, `want` what is wanted.
template <class Ok>
CLI::Validator number_check(Ok ok, const std::string& want) {
  return CLI::Validator(
      [ok, want](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !ok(v))
          return text + " is not " + want;
        return "";
      },
      want);
}
}  // namespace detail

/// A finite number > 0 (a step size, a time limit).
inline CLI::Validator positive() {
  return detail::number_check([](double v) { return std::isfinite(v) && v > 0; },
                              "a positive number");
}
/// A finite number >= 0 (a regularization strength, a momentum).
inline CLI::Validator non_negative() {
  return detail::number_check([](double v) { return std::isfinite(v) && v >= 0; }, "a number >= 0");
}
/// A whole number >= `least` (epochs, a batch size).
inline CLI::Validator at_least(long least) {
  return detail::number_check(
      [least](double v) { return std::floor(v) == v && v >= static_cast<double>(least); },
      "a whole number >= " + std::to_string(least));
}
/// A finite number in [lo, hi] (a probability, a fraction).
inline CLI::Validator in_range(double lo, double hi) {
  return detail::number_check(
      [lo, hi](double v) { return std::isfinite(v) && v >= lo && v <= hi; },
      "a number in [" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + "]");
}

}  // namespace slope::cli
