// SPDX-License-Identifier: MIT
// Svg: a small writer of SVG documents (plots, decision regions, matrices). SVG is text, so this
// is a string builder with the escaping done once; every picture slope draws goes through it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace slope::viz {

/// Presentation attributes shared by the shapes: `fill("#c00")`, `stroke("#000", 2)`, and
/// `fill("#c00").with_opacity(0.5).with(R"(class="point")")`.
struct Style {
  std::string fill = "none";  ///< "#rrggbb", "none", ...
  std::string stroke;         ///< outline colour, none when empty
  double stroke_width = 1;    ///< in user units, used when stroke is set
  double opacity = 1;         ///< 0 .. 1, left out when 1
  std::string extra;          ///< further raw attributes, e.g. `class="point" data-k="3"`

  Style with_opacity(double o) const {
    Style s = *this;
    s.opacity = o;
    return s;
  }
  Style with_stroke(std::string colour, double width = 1) const {
    Style s = *this;
    s.stroke = std::move(colour);
    s.stroke_width = width;
    return s;
  }
  /// Adds raw attributes (not escaped: the caller's string must be valid).
  Style with(const std::string& attributes) const {
    Style s = *this;
    s.extra += (s.extra.empty() ? "" : " ") + attributes;
    return s;
  }
};

/// A filled shape without outline.
inline Style fill(std::string colour) {
  Style s;
  s.fill = std::move(colour);
  return s;
}
/// An outline without fill (lines, polylines).
inline Style stroke(std::string colour, double width = 1) { return Style{}.with_stroke(std::move(colour), width); }

/// An SVG document of width x height user units, origin top left, y pointing down.
class Svg {
 public:
  /// Throws ValueError naming svg when a size is not finite and positive.
  Svg(double width, double height);

  Svg& rect(double x, double y, double w, double h, const Style& style);
  Svg& circle(double cx, double cy, double r, const Style& style);
  Svg& line(double x1, double y1, double x2, double y2, const Style& style);
  /// A polyline through `points`; points with a non-finite coordinate break the line (a gap, not
  /// a jump to 0), so a NaN in a loss curve shows as a gap.
  Svg& polyline(const std::vector<std::pair<double, double>>& points, const Style& style);
  /// Text at (x, y); `anchor` is "start", "middle" or "end". The text is escaped.
  Svg& text(double x, double y, const std::string& s, double size = 12,
            const std::string& anchor = "start", const std::string& extra = "");
  /// Appends an element written by the caller (for example a <g> of a nested picture). Not
  /// escaped: the caller's string must be valid SVG.
  Svg& raw(const std::string& element);

  double width() const { return width_; }
  double height() const { return height_; }
  /// The whole document, with the XML declaration and the svg element.
  std::string str() const;
  /// Writes str() to `path`. Throws ValueError naming the file when it cannot be written.
  void save(const std::string& path) const;

 private:
  double width_, height_;
  std::string body_;
};

/// `s` with &, <, >, " and ' replaced by their entities.
std::string escape_xml(const std::string& s);

/// A number as SVG wants it: fixed point, at most `digits` decimals, trailing zeros dropped.
/// Throws ValueError naming svg for NaN or infinity (a shape is never drawn at a made-up place).
std::string svg_number(double v, int digits = 2);

}  // namespace slope::viz
