// SPDX-License-Identifier: MIT
// Test helpers: exception-text predicates and tensor comparisons with readable failures.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <slope/slope.hpp>

namespace slope::test {

/// Row-major values as a tensor, a parameter (requires_grad) or a constant.
inline Tensor values(const std::vector<double>& v, const Shape& shape,
                     Dtype dtype = Dtype::float64) {
  return Tensor::from_vector(v, shape, dtype);
}
inline Variable param(const std::vector<double>& v, const Shape& shape,
                      Dtype dtype = Dtype::float64) {
  return Variable(values(v, shape, dtype), true);
}
inline Variable constant(const std::vector<double>& v, const Shape& shape,
                         Dtype dtype = Dtype::float64) {
  return Variable(values(v, shape, dtype), false);
}

/// A predicate for BOOST_CHECK_EXCEPTION: the message contains every fragment.
template <class... Fragments>
auto mentions(Fragments... fragments) {
  std::vector<std::string> wanted{fragments...};
  return [wanted](const std::exception& e) {
    const std::string what = e.what();
    for (const auto& w : wanted)
      if (what.find(w) == std::string::npos) {
        BOOST_TEST_MESSAGE("message '" << what << "' lacks '" << w << "'");
        return false;
      }
    return true;
  };
}

/// Elementwise |a - b| <= tol, naming the first index that differs.
inline boost::test_tools::predicate_result close(const Tensor& a, const std::vector<double>& b,
                                                 double tol = 1e-9) {
  if (a.size() != b.size()) {
    boost::test_tools::predicate_result r(false);
    r.message() << "sizes differ: " << a.size() << " vs " << b.size();
    return r;
  }
  for (std::size_t i = 0; i < b.size(); ++i)
    if (!(std::abs(a.flat(i) - b[i]) <= tol)) {
      boost::test_tools::predicate_result r(false);
      r.message() << "index " << i << ": got " << fmt::format("{:.12g}", a.flat(i)) << ", want "
                  << fmt::format("{:.12g}", b[i]);
      return r;
    }
  return true;
}

}  // namespace slope::test
