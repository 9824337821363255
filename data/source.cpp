// SPDX-License-Identifier: MIT
#include "source.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

namespace slope {

namespace {
bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
}  // namespace

std::string find_idx_file(const std::string& dir, const std::string& name) {
  std::string base = dir + "/" + name;
  if (is_file(base + ".gz")) return base + ".gz";
  if (is_file(base)) return base;
  return "";
}

bool fashion_mnist_absent(const std::string& dir) {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (!find_idx_file(dir, name).empty()) return false;
  return true;
}

DataSource choose_data_source(const std::string& dir, bool allow_synthetic) {
  if (!allow_synthetic || !fashion_mnist_absent(dir)) return {};
  return {true, fmt::format("note: no Fashion-MNIST in '{}' (on Debian: apt install "
                            "dataset-fashion-mnist); continuing on synthetic data",
                            dir)};
}

}  // namespace slope
