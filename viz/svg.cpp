// SPDX-License-Identifier: MIT
#include "svg.hpp"

#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::viz {

namespace {

std::string style_attributes(const Style& s) {
  std::string out = fmt::format(R"( fill="{}")", escape_xml(s.fill.empty() ? "none" : s.fill));
  if (!s.stroke.empty())
    out += fmt::format(R"( stroke="{}" stroke-width="{}")", escape_xml(s.stroke),
                       svg_number(s.stroke_width));
  if (s.opacity != 1) out += fmt::format(R"( opacity="{}")", svg_number(s.opacity, 3));
  if (!s.extra.empty()) out += " " + s.extra;
  return out;
}

}  // namespace

Svg::Svg(double width, double height) : width_(width), height_(height) {
  if (!(std::isfinite(width) && std::isfinite(height) && width > 0 && height > 0))
    throw ValueError(fmt::format("svg: the size must be finite and positive, got {} x {}", width,
                                 height));
}

Svg& Svg::rect(double x, double y, double w, double h, const Style& style) {
  body_ += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}"{}/>)", svg_number(x),
                       svg_number(y), svg_number(w), svg_number(h), style_attributes(style));
  body_ += '\n';
  return *this;
}

Svg& Svg::circle(double cx, double cy, double r, const Style& style) {
  body_ += fmt::format(R"(<circle cx="{}" cy="{}" r="{}"{}/>)", svg_number(cx), svg_number(cy),
                       svg_number(r), style_attributes(style));
  body_ += '\n';
  return *this;
}

Svg& Svg::line(double x1, double y1, double x2, double y2, const Style& style) {
  body_ += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"{}/>)", svg_number(x1),
                       svg_number(y1), svg_number(x2), svg_number(y2), style_attributes(style));
  body_ += '\n';
  return *this;
}

Svg& Svg::polyline(const std::vector<std::pair<double, double>>& points, const Style& style) {
  std::string run;
  auto flush = [&] {
    if (!run.empty())
      body_ += fmt::format(R"(<polyline points="{}"{}/>)", run, style_attributes(style)) + '\n';
    run.clear();
  };
  for (const auto& [x, y] : points) {
    if (!std::isfinite(x) || !std::isfinite(y)) {
      flush();
      continue;
    }
    if (!run.empty()) run += ' ';
    run += svg_number(x) + ',' + svg_number(y);
  }
  flush();
  return *this;
}

Svg& Svg::text(double x, double y, const std::string& s, double size, const std::string& anchor,
               const std::string& extra) {
  body_ += fmt::format(R"(<text x="{}" y="{}" font-size="{}" text-anchor="{}"{}{}>{}</text>)",
                       svg_number(x), svg_number(y), svg_number(size), escape_xml(anchor),
                       extra.empty() ? "" : " ", extra, escape_xml(s));
  body_ += '\n';
  return *this;
}

Svg& Svg::raw(const std::string& element) {
  body_ += element;
  body_ += '\n';
  return *this;
}

std::string Svg::str() const {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\">\n{2}</svg>\n",
      svg_number(width_), svg_number(height_), body_);
}

void Svg::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << str();
  out.close();
  if (!out) throw ValueError(fmt::format("svg: cannot write the file '{}'", path));
}

std::string escape_xml(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_number(double v, int digits) {
  if (!std::isfinite(v)) throw ValueError(fmt::format("svg: a coordinate or size is {}", v));
  std::string s = fmt::format("{:.{}f}", v, digits);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

}  // namespace slope::viz
