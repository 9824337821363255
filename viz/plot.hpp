// SPDX-License-Identifier: MIT
// Plots drawn with Svg: a line chart of named series (training curves) and a heatmap of a
// confusion matrix.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "svg.hpp"

namespace slope::viz {

/// One curve: y against x (x empty: 1, 2, ..., as epochs). Non-finite values leave a gap.
struct Series {
  std::string name;
  std::vector<double> y;
  std::vector<double> x;
  bool right_axis = false;  ///< drawn against the right-hand axis (a second scale)
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;        ///< the left axis
  std::string right_y_label;  ///< the right axis, when a series uses it
  double width = 640;
  double height = 400;
};

/// Axes with ticks at round numbers, one polyline per series (class "series"), and a legend
/// naming each. Throws ValueError naming the chart and the series when there is no series, a
/// series' x and y differ in length, or a series has no finite point.
Svg line_chart(const std::vector<Series>& series, const ChartOptions& options = ChartOptions());

/// Round tick values covering [lo, hi]: about `target` of them, 1, 2 or 5 times a power of ten
/// apart. Throws ValueError unless lo <= hi are finite.
std::vector<double> nice_ticks(double lo, double hi, std::size_t target = 5);

/// A confusion matrix as a heatmap: counts[t * classes + p] examples of true class t predicted as
/// p, each cell (class "cell") shaded by its share of its row and labelled with its count; true
/// classes down the left, predicted classes along the bottom. Throws ValueError when counts does
/// not hold classes^2 values or names has other than `classes` entries (classes >= 1).
Svg confusion_heatmap(const std::vector<std::size_t>& counts, std::size_t classes,
                      const std::vector<std::string>& names, const std::string& title = "");

}  // namespace slope::viz
