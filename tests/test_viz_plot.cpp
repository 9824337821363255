// SPDX-License-Identifier: MIT
// viz::line_chart, nice_ticks and confusion_heatmap: what their SVG text holds, and their errors.
#define BOOST_TEST_MODULE viz_plot
#include <limits>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"
#include <slope/slope.hpp>

using slope::test::mentions;
using namespace slope::viz;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
bool has(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_CASE(ticks_are_round_and_cover_the_range) {
  const std::vector<double> t = nice_ticks(0.13, 2.31, 5);
  BOOST_TEST(t.front() <= 0.13);
  BOOST_TEST(t.back() >= 2.31);
  BOOST_TEST(t.size() >= 3u);
  BOOST_TEST(t.size() <= 8u);
  for (std::size_t i = 1; i < t.size(); ++i)
    BOOST_TEST(t[i] - t[i - 1] == 0.5, boost::test_tools::tolerance(1e-9));
  BOOST_CHECK_EXCEPTION(nice_ticks(1, 0), slope::ValueError, mentions("nice_ticks", "[1, 0]"));
}

BOOST_AUTO_TEST_CASE(a_chart_has_one_polyline_per_series_and_a_legend) {
  ChartOptions o;
  o.title = "training";
  o.x_label = "epoch";
  o.y_label = "loss";
  o.right_y_label = "accuracy";
  const std::vector<Series> series = {{"train loss", {2.3, 1.1, 0.7, 0.5}, {}, false},
                                      {"val accuracy", {0.6, 0.8, 0.83, 0.85}, {}, true}};
  const std::string s = line_chart(series, o).str();
  BOOST_TEST(count(s, R"(<polyline points=)") == 2u);
  BOOST_TEST(count(s, R"(class="series")") == 2u);
  BOOST_TEST(count(s, R"(class="legend")") == 2u);
  BOOST_TEST(has(s, ">train loss (left)</text>"));
  BOOST_TEST(has(s, ">val accuracy (right)</text>"));
  for (const char* label :
       {">training</text>", ">epoch</text>", ">loss</text>", ">accuracy</text>"})
    BOOST_TEST(has(s, label), label);
  BOOST_TEST(has(s, ">4</text>"));     // an epoch tick
  BOOST_TEST(has(s, ">0.85</text>"));  // an accuracy tick
  BOOST_TEST(has(s, ">2.5</text>"));   // a loss tick
}

BOOST_AUTO_TEST_CASE(a_nan_leaves_a_gap_and_bad_series_are_refused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string s = line_chart({{"loss", {1, 0.5, nan, 0.3, 0.2}, {}, false}}).str();
  BOOST_TEST(count(s, "<polyline ") == 2u);
  BOOST_CHECK_EXCEPTION(line_chart({}), slope::ValueError, mentions("no series"));
  BOOST_CHECK_EXCEPTION(line_chart({{"loss", {nan, nan}, {}, false}}), slope::ValueError,
                        mentions("'loss'", "no finite point"));
  ChartOptions o;
  o.title = "curves";
  BOOST_CHECK_EXCEPTION(line_chart({{"acc", {1, 2}, {1, 2, 3}, false}}, o), slope::ValueError,
                        mentions("'curves'", "'acc'", "3 x and 2 y"));
}

BOOST_AUTO_TEST_CASE(a_heatmap_has_a_cell_per_pair_with_its_count_and_the_names) {
  const std::vector<std::size_t> counts = {50, 3, 0, 7, 40, 1, 2, 9, 61};
  const std::vector<std::string> names = {"T-shirt", "Trouser", "Bag & co"};
  const std::string s = confusion_heatmap(counts, 3, names, "confusion").str();
  BOOST_TEST(count(s, R"(class="cell")") == 9u);
  BOOST_TEST(has(s, R"(data-true="2" data-predicted="1")"));
  for (const char* n : {">50</text>", ">61</text>", ">9</text>", ">0</text>"})
    BOOST_TEST(has(s, n), n);
  BOOST_TEST(count(s, ">T-shirt</text>") == 2u);  // the row and the column
  BOOST_TEST(count(s, ">Bag &amp; co</text>") == 2u);
  BOOST_TEST(has(s, ">predicted class</text>"));
  BOOST_TEST(has(s, ">true class</text>"));
  // The diagonal of a row that is all right is darkest; an empty row stays white.
  const std::string dark = confusion_heatmap({5, 0, 0, 0}, 2, {"a", "b"}).str();
  BOOST_TEST(has(
      dark,
      R"(fill="#08306b" stroke="#ffffff" stroke-width="1" class="cell" data-true="0" data-predicted="0")"));
  BOOST_TEST(has(
      dark,
      R"(fill="#ffffff" stroke="#ffffff" stroke-width="1" class="cell" data-true="1" data-predicted="1")"));
}

BOOST_AUTO_TEST_CASE(a_heatmap_refuses_counts_and_names_that_do_not_fit) {
  BOOST_CHECK_EXCEPTION(confusion_heatmap({1, 2, 3}, 2, {"a", "b"}), slope::ValueError,
                        mentions("2 classes", "4 counts", "got 3"));
  BOOST_CHECK_EXCEPTION(confusion_heatmap({1, 2, 3, 4}, 2, {"a"}), slope::ValueError,
                        mentions("2 names", "and 1"));
}
