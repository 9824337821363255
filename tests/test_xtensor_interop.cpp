// SPDX-License-Identifier: MIT
// Tensors from plain xtensor containers and expressions (std::allocator, any layout), and back.
#define BOOST_TEST_MODULE xtensor_interop
#include "support/checks.hpp"

using namespace slope;
using test::mentions;

BOOST_AUTO_TEST_CASE(from_xarray_keeps_type_shape_values) {
  const xt::xarray<float> a{{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}};
  const Tensor t(a);
  BOOST_TEST((t.dtype() == Dtype::float32));
  BOOST_TEST(shape_str(t.shape()) == "(2, 3)");
  BOOST_TEST(t.to_vector() == std::vector<double>({1, 2, 3, 4, 5, 6}));
  const Tensor d(xt::xarray<double>{7.0});
  BOOST_TEST((d.dtype() == Dtype::float64));
  BOOST_TEST(d.dim() == 1u);
}

BOOST_AUTO_TEST_CASE(from_xtensor_and_expressions) {
  const xt::xtensor<double, 3> a = xt::arange<double>(24).reshape({2, 3, 4});
  const Tensor t(a);
  BOOST_TEST(shape_str(t.shape()) == "(2, 3, 4)");
  BOOST_TEST(t.flat(23) == 23.0);
  const Tensor sum(a + a);  // a lazy expression is evaluated into the tensor
  BOOST_TEST(sum.flat(23) == 46.0);
  const xt::xtensor<float, 0> s = 2.5f;
  BOOST_TEST(Tensor(s).item() == 2.5);
}

BOOST_AUTO_TEST_CASE(column_major_becomes_row_major) {
  xt::xarray<double, xt::layout_type::column_major> a{{1, 2, 3}, {4, 5, 6}};
  BOOST_TEST(Tensor(a).to_vector() == std::vector<double>({1, 2, 3, 4, 5, 6}));
}

BOOST_AUTO_TEST_CASE(back_to_xarray_and_xtensor) {
  const Tensor t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2}, Dtype::float32);
  const xt::xarray<float> a = t.to_xarray<float>();
  BOOST_TEST(a.shape().size() == 2u);
  BOOST_TEST(a(2, 1) == 6.f);
  const xt::xarray<double> b = t.to_xarray<double>();  // converted
  BOOST_TEST(b(1, 0) == 3.0);
  const xt::xtensor<double, 2> c = t.to_xtensor<double, 2>();
  BOOST_TEST(c(0, 1) == 2.0);
  BOOST_CHECK_EXCEPTION((t.to_xtensor<float, 3>()), ShapeError,
                        mentions("to_xtensor", "3-D", "(3, 2)"));
  // A round trip is a copy: the tensor does not change with the array.
  xt::xarray<float> d = t.to_xarray<float>();
  d(0, 0) = 100.f;
  BOOST_TEST(t.flat(0) == 1.0);
  BOOST_TEST(Tensor(d).flat(0) == 100.0);
}

BOOST_AUTO_TEST_CASE(slope_arrays_still_convert_implicitly) {
  Array<double> a({2, 2}, 1.0);
  const Tensor t = a;
  BOOST_TEST(t.size() == 4u);
}
