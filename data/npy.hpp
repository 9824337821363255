// SPDX-License-Identifier: MIT
// NumPy's .npy files, one array each: float32 and float64, little-endian, C order. The reader is
// strict (a fuzz target feeds it arbitrary bytes): a header the file cannot back up is an error
// before anything is allocated for the data.
#pragma once

#include <string>

#include "../graph/tensor.hpp"

namespace slope {

/// The largest .npy header read (numpy writes well under 1 KB for the dtypes we read).
constexpr std::size_t kNpyMaxHeaderBytes = std::size_t{1} << 16;

/// Reads the one array of a .npy file (what `numpy.save` writes) as a float32 ('<f4') or float64
/// ('<f8') tensor of the file's shape (`()` is a scalar). Versions 1.0, 2.0 and 3.0 are read.
/// Throws ValueError "load_npy: 'x.npy' <fault>" naming the file and the fault: it cannot be
/// opened or is not a regular file, the magic or version is wrong, the header is not a valid
/// dictionary of 'descr', 'fortran_order' and 'shape', the dtype is another one (or big-endian),
/// the order is Fortran's, the shape's element count overflows, or the data is shorter or longer
/// than the shape says (checked against the file's real size before allocating).
Tensor load_npy(const std::string& path);

/// load_npy on the bytes of a .npy file held in memory (for fuzzing and tests); `name` stands for
/// the file in the messages.
Tensor load_npy_bytes(const std::string& bytes, const std::string& name = "<memory>");

/// Writes `t` as a version 1.0 .npy file that `numpy.load` reads: '<f4' or '<f8', C order, the
/// tensor's shape. Throws ValueError naming the file when it cannot be written or `t` is empty.
void save_npy(const std::string& path, const Tensor& t);

/// The bytes save_npy writes for `t`.
std::string save_npy_bytes(const Tensor& t);

}  // namespace slope
