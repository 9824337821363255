// SPDX-License-Identifier: MIT
// RowGather: a batch's rows and labels gathered in order into reused buffers.
#define BOOST_TEST_MODULE data_batch
#include "support/checks.hpp"

using namespace slope;

BOOST_AUTO_TEST_SUITE(data_batch)

BOOST_AUTO_TEST_CASE(gathers_rows_and_labels_in_the_order_asked) {
  // x [4, 2] with row i = (i, 10 i).
  const Variable x(test::values({0, 0, 1, 10, 2, 20, 3, 30}, {4, 2}, Dtype::float32));
  const Labels y{5, 6, 7, 8};
  RowGather g(x, y);
  const Variable& xb = g.x({3, 0, 3});
  BOOST_TEST(shape_str(xb.shape()) == "(3, 2)");
  BOOST_TEST(std::string(dtype_name(xb.dtype())) == "float32");
  BOOST_TEST(test::close(xb.value(), {3, 30, 0, 0, 3, 30}));
  BOOST_TEST(g.y({3, 0, 3}) == (Labels{8, 5, 8}), boost::test_tools::per_element());
  BOOST_TEST(!xb.requires_grad());
}

BOOST_AUTO_TEST_CASE(reuses_its_buffer_while_the_batch_size_stays) {
  const Variable x(test::values({0, 1, 2, 3, 4, 5}, {3, 2}));  // float64 too
  const Labels y{0, 1, 2};
  RowGather g(x, y);
  const double* first = g.x({0, 1}).value().data<double>();
  const Variable& again = g.x({2, 0});
  BOOST_TEST(again.value().data<double>() == first);
  BOOST_TEST(test::close(again.value(), {4, 5, 0, 1}));
  BOOST_TEST(shape_str(g.x({1}).shape()) == "(1, 2)");  // another size: a new buffer
  BOOST_TEST(test::close(g.x({1}).value(), {2, 3}));
}

BOOST_AUTO_TEST_CASE(a_row_out_of_range_and_mismatched_labels_are_named) {
  const Variable x(test::values({0, 1, 2, 3}, {2, 2}));
  const Labels y{0, 1};
  RowGather g(x, y);
  BOOST_CHECK_EXCEPTION(g.x({0, 2}), ValueError, test::mentions("RowGather", "row 2", "(2, 2)"));
  BOOST_CHECK_EXCEPTION(g.y({5}), ValueError, test::mentions("RowGather", "row 5"));
  const Labels three{0, 1, 2};
  BOOST_CHECK_EXCEPTION(RowGather(x, three), ShapeError,
                        test::mentions("RowGather", "3 labels", "2 rows"));
  const Variable flat(test::values({0, 1}, {2}));
  BOOST_CHECK_EXCEPTION(RowGather(flat, y), ShapeError, test::mentions("RowGather"));
}

BOOST_AUTO_TEST_SUITE_END()
