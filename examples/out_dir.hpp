// SPDX-License-Identifier: MIT
// Where the examples write their files (loss histories, pictures): the --out directory, by
// default a folder under the current directory, never /tmp.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>

#include <slope/slope.hpp>

namespace slope::examples {

/// The default of every example's --out.
inline constexpr const char* kDefaultOutDir = "slope-out";

/// Makes `dir` (the value of --out) ready for output files: creates it and its parents when
/// missing. Throws ValueError naming --out and the directory when it cannot be created or is not
/// a writable directory.
inline std::filesystem::path prepare_out_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw ValueError(
        fmt::format("--out: cannot create the directory '{}' ({})", dir, ec.message()));
  if (!fs::is_directory(dir) || ::access(dir.c_str(), W_OK) != 0)
    throw ValueError(fmt::format("--out: '{}' is not a writable directory", dir));
  return fs::path(dir);
}

}  // namespace slope::examples
