// SPDX-License-Identifier: MIT
// viz::Svg: the elements it writes, escaping, gaps for non-finite points, and its errors.
#define BOOST_TEST_MODULE viz_svg
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <limits>
#include <sstream>

#include <slope/slope.hpp>

#include "support/checks.hpp"
#include "support/temp_dir.hpp"

using slope::viz::Svg;
using slope::test::mentions;
using slope::viz::fill;
using slope::viz::stroke;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

BOOST_AUTO_TEST_CASE(writes_each_shape_once) {
  Svg svg(200, 100);
  svg.rect(0, 0, 10.5, 20, fill("#ff0000"))
      .circle(5, 5, 2, fill("#00ff00").with_stroke("#000000", 0.5).with_opacity(0.25).with(R"(class="point")"))
      .line(0, 0, 1, 1, stroke("#0000ff"))
      .text(10, 10, "a < b & \"c\"", 14, "middle");
  const std::string s = svg.str();
  BOOST_TEST(count(s, "<rect ") == 1u);
  BOOST_TEST(count(s, "<circle ") == 1u);
  BOOST_TEST(count(s, "<line ") == 1u);
  BOOST_TEST(s.find(R"(width="10.5")") != std::string::npos);
  BOOST_TEST(s.find(R"(opacity="0.25")") != std::string::npos);
  BOOST_TEST(s.find(R"(class="point")") != std::string::npos);
  BOOST_TEST(s.find("a &lt; b &amp; &quot;c&quot;") != std::string::npos);
  BOOST_TEST(s.find(R"(viewBox="0 0 200 100")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(non_finite_points_break_a_polyline) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Svg svg(10, 10);
  svg.polyline({{0, 0}, {1, 1}, {2, nan}, {3, 3}, {4, 4}}, stroke("#000"));
  const std::string s = svg.str();
  BOOST_TEST(count(s, "<polyline ") == 2u);
  BOOST_TEST(s.find(R"(points="0,0 1,1")") != std::string::npos);
  BOOST_TEST(s.find(R"(points="3,3 4,4")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(numbers_are_short_and_never_made_up) {
  BOOST_TEST(slope::viz::svg_number(1.0) == "1");
  BOOST_TEST(slope::viz::svg_number(-0.001) == "0");
  BOOST_TEST(slope::viz::svg_number(2.345, 1) == "2.3");
  BOOST_CHECK_EXCEPTION(slope::viz::svg_number(std::numeric_limits<double>::infinity()),
                        slope::ValueError, mentions("svg", "inf"));
  Svg svg(10, 10);
  BOOST_CHECK_EXCEPTION(svg.circle(std::numeric_limits<double>::quiet_NaN(), 1, 1, fill("#000")),
                        slope::ValueError, mentions("svg", "nan"));
}

BOOST_AUTO_TEST_CASE(bad_sizes_and_unwritable_files_are_refused) {
  BOOST_CHECK_EXCEPTION(Svg(0, 10), slope::ValueError, mentions("svg", "0 x 10"));
  BOOST_CHECK_EXCEPTION(Svg(10, 10).save("/nonexistent-dir/x.svg"), slope::ValueError,
                        mentions("svg", "/nonexistent-dir/x.svg"));
}

BOOST_AUTO_TEST_CASE(save_writes_what_str_returns) {
  const slope::test::TempDir tmp("slope_test_viz_svg");
  const std::string path = tmp.path("x.svg");
  Svg svg(30, 20);
  svg.rect(1, 2, 3, 4, fill("#123456"));
  svg.save(path);
  std::ifstream in(path);
  std::stringstream read;
  read << in.rdbuf();
  BOOST_TEST(read.str() == svg.str());
}
