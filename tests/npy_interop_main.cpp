// SPDX-License-Identifier: MIT
// The C++ half of the NumPy interop test (tests/npy_interop.py runs it):
//   npy_interop_main write DIR   writes slope_<case>.npy for numpy.load to check;
//   npy_interop_main read DIR    checks the py_<case>.npy files numpy.save wrote, and that the
//                                ones slope does not read (Fortran order, int32, big-endian) are
//                                refused with a ValueError naming the fault.
// Both sides fill case i with value(i) = (i + 1) / 3 - 2 computed in double, then rounded to
// the case's type, so the files must agree bit for bit. Exits 1 on the first mismatch.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <slope/slope.hpp>

namespace {

struct Case {
  const char* name;
  slope::Dtype dtype;
  slope::Shape shape;
};

// Keep in step with CASES in npy_interop.py.
const std::vector<Case> kCases{
    {"scalar_f32", slope::Dtype::float32, {}},     {"vector_f64", slope::Dtype::float64, {5}},
    {"matrix_f32", slope::Dtype::float32, {2, 3}}, {"cube_f64", slope::Dtype::float64, {2, 3, 4}},
    {"empty_f32", slope::Dtype::float32, {0, 3}},  {"wide_f64", slope::Dtype::float64, {1, 1000}},
};

slope::Tensor expected(const Case& c) {
  slope::Tensor t = slope::Tensor::zeros(c.shape, c.dtype);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.set_flat(i, static_cast<double>(i + 1) / 3.0 - 2.0);  // set_flat rounds to the type
  return t;
}

bool same_bits(const slope::Tensor& a, const slope::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  return a.visit([&b](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::value_type;
    return x.size() == 0 || std::memcmp(x.data(), b.data<T>(), x.size() * sizeof(T)) == 0;
  });
}

int write_all(const std::string& dir) {
  for (const Case& c : kCases) slope::save_npy(dir + "/slope_" + c.name + ".npy", expected(c));
  std::printf("wrote %zu files\n", kCases.size());
  return 0;
}

int read_all(const std::string& dir) {
  for (const Case& c : kCases) {
    const slope::Tensor t = slope::load_npy(dir + "/py_" + c.name + ".npy");
    if (!same_bits(t, expected(c))) {
      std::printf("FAIL py_%s.npy: got %s %s\n", c.name, slope::dtype_name(t.dtype()),
                  slope::shape_str(t.shape()).c_str());
      return 1;
    }
    std::printf("ok   py_%s.npy: %s %s\n", c.name, slope::dtype_name(t.dtype()),
                slope::shape_str(t.shape()).c_str());
  }
  const std::vector<std::pair<std::string, std::string>> refused{
      {"py_fortran.npy", "Fortran order"}, {"py_int32.npy", "'<i4'"}, {"py_big.npy", "'>f8'"}};
  for (const auto& [file, fault] : refused) {
    try {
      slope::load_npy(dir + "/" + file);
      std::printf("FAIL %s was read, but slope should refuse it\n", file.c_str());
      return 1;
    } catch (const slope::ValueError& e) {
      if (std::string(e.what()).find(fault) == std::string::npos) {
        std::printf("FAIL %s: '%s' lacks '%s'\n", file.c_str(), e.what(), fault.c_str());
        return 1;
      }
      std::printf("ok   %s refused: %s\n", file.c_str(), e.what());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "write") != 0 && std::strcmp(argv[1], "read") != 0)) {
    std::fprintf(stderr, "usage: npy_interop_main write|read DIR\n");
    return 2;
  }
  try {
    return std::strcmp(argv[1], "write") == 0 ? write_all(argv[2]) : read_all(argv[2]);
  } catch (const std::exception& e) {
    std::printf("FAIL %s\n", e.what());
    return 1;
  }
}
