// SPDX-License-Identifier: MIT
#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::viz {

namespace {

// Matplotlib's "tab10" colours: distinct, and readable for most colour-blind readers.
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
  // The range widened to the ticks that cover it (a flat series gets a unit of room).
  std::vector<double> ticks() const {
    const double pad = lo == hi ? std::max(std::abs(lo) * 0.1, 0.5) : 0.0;
    return nice_ticks(lo - pad, hi + pad);
  }
};

double x_of(const Series& s, std::size_t i) {
  return s.x.empty() ? static_cast<double>(i + 1) : s.x[i];
}

// The attribute that turns a text about its anchor (axis labels, column names).
std::string rotated(double degrees, double x, double y) {
  return fmt::format("transform=\"rotate({} {} {})\"", svg_number(degrees), svg_number(x),
                     svg_number(y));
}

std::string tick_label(double v, double step) {
  const int digits = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return svg_number(v, digits);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, std::size_t target) {
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
    throw ValueError(fmt::format("nice_ticks: need finite lo <= hi, got [{}, {}]", lo, hi));
  if (lo == hi) return {lo};
  const double raw = (hi - lo) / static_cast<double>(std::max<std::size_t>(target, 1));
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * power;
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  std::vector<double> ticks;
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  for (double k = first; k <= last + 0.5; ++k) ticks.push_back(k * step);
  return ticks;
}

Svg line_chart(const std::vector<Series>& series, const ChartOptions& o) {
  const std::string who = o.title.empty() ? "line_chart" : "line_chart '" + o.title + "'";
  if (series.empty()) throw ValueError(who + ": no series to draw");
  Range xr, left, right;
  bool uses_right = false;
  for (const Series& s : series) {
    if (!s.x.empty() && s.x.size() != s.y.size())
      throw ValueError(fmt::format("{}: series '{}' has {} x and {} y values", who, s.name,
                                   s.x.size(), s.y.size()));
    Range xs, ys;
    for (std::size_t i = 0; i < s.y.size(); ++i)
      if (std::isfinite(s.y[i]) && std::isfinite(x_of(s, i))) {
        xs.add(x_of(s, i));
        ys.add(s.y[i]);
      }
    if (ys.empty())
      throw ValueError(fmt::format("{}: series '{}' has no finite point", who, s.name));
    xr.add(xs.lo);
    xr.add(xs.hi);
    Range& axis = s.right_axis ? right : left;
    axis.add(ys.lo);
    axis.add(ys.hi);
    uses_right = uses_right || s.right_axis;
  }
  const double ml = 64, mr = uses_right ? 64 : 20, mt = o.title.empty() ? 16 : 36, mb = 48;
  const double pw = o.width - ml - mr, ph = o.height - mt - mb;
  if (!(pw > 0 && ph > 0))
    throw ValueError(
        fmt::format("{}: {} x {} leaves no room for the plot", who, o.width, o.height));
  Svg svg(o.width, o.height);
  svg.rect(0, 0, o.width, o.height, fill("#ffffff"));
  if (!o.title.empty()) svg.text(o.width / 2, 22, o.title, 15, "middle");

  const std::vector<double> xt = xr.ticks();
  auto px = [&](double x) { return ml + (x - xt.front()) / (xt.back() - xt.front()) * pw; };
  const Style grid = stroke("#dddddd"), axis_line = stroke("#000000");
  for (double t : xt) {
    svg.line(px(t), mt, px(t), mt + ph, grid);
    svg.text(px(t), mt + ph + 16, tick_label(t, xt[1] - xt[0]), 11, "middle");
  }
  // A y axis: its ticks (grid lines for the left one), labels and its mapping to pixels.
  auto y_axis = [&](const Range& r, bool on_right, const std::string& label) {
    const std::vector<double> yt = r.ticks();
    const double lo = yt.front(), hi = yt.back(), x = on_right ? ml + pw : ml;
    for (double t : yt) {
      const double y = mt + ph - (t - lo) / (hi - lo) * ph;
      if (!on_right) svg.line(ml, y, ml + pw, y, grid);
      svg.line(x, y, x + (on_right ? 4 : -4), y, axis_line);
      svg.text(x + (on_right ? 7 : -7), y + 4, tick_label(t, yt[1] - yt[0]), 11,
               on_right ? "start" : "end");
    }
    svg.line(x, mt, x, mt + ph, axis_line);
    if (!label.empty()) {
      const double lx = on_right ? o.width - 12 : 14, ly = mt + ph / 2;
      svg.text(lx, ly, label, 12, "middle", rotated(-90, lx, ly));
    }
    return [=](double v) { return mt + ph - (v - lo) / (hi - lo) * ph; };
  };
  const auto py_left =
      left.empty() ? y_axis(right, false, o.right_y_label) : y_axis(left, false, o.y_label);
  const auto py_right =
      uses_right && !left.empty() ? y_axis(right, true, o.right_y_label) : py_left;
  svg.line(ml, mt + ph, ml + pw, mt + ph, axis_line);
  if (!o.x_label.empty()) svg.text(ml + pw / 2, o.height - 10, o.x_label, 12, "middle");

  const double legend_x = ml + pw - 160;  // a box in the top right corner, over the grid
  svg.rect(legend_x - 6, mt + 4, 164, 16 * static_cast<double>(series.size()) + 6,
           fill("#ffffff").with_opacity(0.85));
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const auto& py = s.right_axis ? py_right : py_left;
    std::vector<std::pair<double, double>> points;
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      const double x = x_of(s, i), y = s.y[i];
      const bool ok = std::isfinite(x) && std::isfinite(y);
      points.emplace_back(ok ? px(x) : x, ok ? py(y) : y);
    }
    const std::string colour = kPalette[k % std::size(kPalette)];
    const Style line = stroke(colour, 2).with(R"(class="series")");
    if (points.size() == 1)  // a lone point is no line: a dot
      svg.circle(points[0].first, points[0].second, 3, fill(colour).with(R"(class="series")"));
    else
      svg.polyline(points, line);
    const double ly = mt + 18 + 16 * static_cast<double>(k), lx = legend_x;
    svg.line(lx, ly - 4, lx + 20, ly - 4, stroke(colour, 2));
    svg.text(lx + 26, ly, s.name + (uses_right ? (s.right_axis ? " (right)" : " (left)") : ""), 11,
             "start", R"(class="legend")");
  }
  return svg;
}

Svg confusion_heatmap(const std::vector<std::size_t>& counts, std::size_t classes,
                      const std::vector<std::string>& names, const std::string& title) {
  if (classes == 0 || counts.size() != classes * classes || names.size() != classes)
    throw ValueError(
        fmt::format("confusion_heatmap: {} classes need {} counts and {} names, got {} and {}",
                    classes, classes * classes, classes, counts.size(), names.size()));
  const double cell = 44, ml = 110, mt = title.empty() ? 16 : 40, mb = 96, mr = 16;
  const double side = cell * static_cast<double>(classes);
  Svg svg(ml + side + mr, mt + side + mb);
  svg.rect(0, 0, svg.width(), svg.height(), fill("#ffffff"));
  if (!title.empty()) svg.text(svg.width() / 2, 24, title, 15, "middle");
  for (std::size_t t = 0; t < classes; ++t) {
    std::size_t row = 0;
    for (std::size_t p = 0; p < classes; ++p) row += counts[t * classes + p];
    for (std::size_t p = 0; p < classes; ++p) {
      const std::size_t n = counts[t * classes + p];
      const double share = row > 0 ? static_cast<double>(n) / static_cast<double>(row) : 0.0;
      // White to dark blue by the share of the row, so a rare class shows as clearly as a common
      // one.
      const auto channel = [&](double full) {
        return static_cast<int>(std::lround(255 - share * (255 - full)));
      };
      const std::string colour =
          fmt::format("#{:02x}{:02x}{:02x}", channel(8), channel(48), channel(107));
      const double x = ml + cell * static_cast<double>(p), y = mt + cell * static_cast<double>(t);
      svg.rect(x, y, cell, cell,
               fill(colour).with_stroke("#ffffff").with(
                   fmt::format(R"(class="cell" data-true="{}" data-predicted="{}")", t, p)));
      svg.text(x + cell / 2, y + cell / 2 + 4, std::to_string(n), 11, "middle",
               share > 0.5 ? R"(fill="#ffffff")" : "");
    }
    svg.text(ml - 6, mt + cell * (static_cast<double>(t) + 0.5) + 4, names[t], 11, "end");
  }
  for (std::size_t p = 0; p < classes; ++p) {
    const double x = ml + cell * (static_cast<double>(p) + 0.5), y = mt + side + 8;
    svg.text(x, y, names[p], 11, "end", rotated(-45, x, y));
  }
  svg.text(ml + side / 2, svg.height() - 8, "predicted class", 12, "middle");
  svg.text(14, mt + side / 2, "true class", 12, "middle", rotated(-90, 14, mt + side / 2));
  return svg;
}

}  // namespace slope::viz
