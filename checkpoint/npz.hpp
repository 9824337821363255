// SPDX-License-Identifier: MIT
// NumPy's .npz files: a zip archive of .npy files, one array per entry "<key>.npy", what
// numpy.savez and numpy.savez_compressed write and numpy.load reads (`np.load(f)["key"]`).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../graph/tensor.hpp"

namespace slope {

/// Arrays with their keys, in file order.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// One array to write: its key, and whether to deflate it.
struct NpzArray {
  std::string key;
  Tensor value;
  bool compress = false;
};

/// The bytes of a .npz archive of `arrays` (entries "<key>.npy"). Throws ValueError
/// "<context>: ..." for an empty or repeated key or an empty tensor.
std::string save_npz_bytes(const std::vector<NpzArray>& arrays, const std::string& context);

/// The arrays of the .npz archive in `bytes`, keyed without ".npy". Throws ValueError
/// "<context>: ..." as read_zip does (zip.hpp), and naming the entry when it is not "<key>.npy"
/// or its .npy bytes are refused by load_npy_bytes (data/npy.hpp).
NamedTensors load_npz_bytes(const std::string& bytes, const std::string& context);

/// save_npz_bytes written with write_file_atomic (atomic_file.hpp); the context is
/// "save_npz: '<path>'".
void save_npz(const std::string& path, const std::vector<NpzArray>& arrays);

/// load_npz_bytes of the file's bytes; the context is "load_npz: '<path>'". Throws ValueError
/// naming the file when it cannot be read.
NamedTensors load_npz(const std::string& path);

}  // namespace slope
