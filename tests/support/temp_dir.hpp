// SPDX-License-Identifier: MIT
// A fresh directory per test case, removed afterwards.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

namespace slope::test {

struct TempDir {
  std::filesystem::path dir;
  explicit TempDir(const std::string& prefix) {
    dir = std::filesystem::temp_directory_path() /
          fmt::format("slope_test_{}_{}_{}", prefix, ::getpid(),
                      boost::unit_test::framework::current_test_case().p_id);
    std::filesystem::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace slope::test
