// SPDX-License-Identifier: MIT
// The one rule for falling back to synthetic data, used by every program: only a data set that is
// absent falls back, and only when the caller allows it (the programs' --quick); a data set that
// is there is read, and a corrupt file in it is an error, never replaced.
#pragma once

#include <string>

namespace slope {

/// The file `<dir>/<name>.gz`, else `<dir>/<name>`; empty when neither is a regular file.
std::string find_idx_file(const std::string& dir, const std::string& name);

/// True when `dir` holds none of Fashion-MNIST's four files ({train,t10k}-{images-idx3,
/// labels-idx1}-ubyte, raw or .gz): the directory is missing, or it is there without them.
bool fashion_mnist_absent(const std::string& dir);

/// Where a program's data comes from.
struct DataSource {
  bool synthetic = false;  // true: use synthetic data (and print `note`)
  std::string note;        // why, naming the directory; empty when the real data is used
};

/// The fallback rule: synthetic data when Fashion-MNIST is absent from `dir` and
/// `allow_synthetic`; else the real data, which the caller then loads, so that a missing
/// directory without the permission, a partly installed data set and a corrupt file all end in
/// the loader's ValueError naming the directory or the file.
DataSource choose_data_source(const std::string& dir, bool allow_synthetic);

}  // namespace slope
