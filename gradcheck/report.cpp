// SPDX-License-Identifier: MIT
// How a gradient check reads: the rules it applied, a table with one row per tensor, a verdict.
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gradcheck.hpp"

namespace slope {

namespace {

constexpr std::size_t kColumns = 9;
using Row = std::array<std::string, kColumns>;

std::string kinks_cell(std::size_t crossed, std::size_t at) {
  if (crossed == 0 && at == 0) return "-";
  if (at == 0) return fmt::format("{} crossed", crossed);
  if (crossed == 0) return fmt::format("{} at kink", at);
  return fmt::format("{} crossed, {} at kink", crossed, at);
}

std::string numeric_cell(const InputReport& r) {
  if (r.worst_kink == KinkStatus::smooth) return fmt::format("{:.7g}", r.worst_numeric);
  return fmt::format("[{:.4g}, {:.4g}]", r.worst_left, r.worst_right);
}

Row make_row(const InputReport& r) {
  if (r.checked == 0 && (r.skipped || !r.note.empty()))
    return {
        r.name, shape_str(r.shape), "-", "-", "-", "-", "-", "-", r.skipped ? "skipped" : "FAIL"};
  return {
      r.name,
      shape_str(r.shape),
      r.checked < r.size ? fmt::format("{}/{}", r.checked, r.size) : fmt::format("{}", r.checked),
      fmt::format("{:.1e}", r.max_rel_error),
      index_str(r.worst_index, r.shape),
      fmt::format("{:.7g}", r.worst_analytic),
      numeric_cell(r),
      kinks_cell(r.kinks_crossed, r.kinks_at),
      r.ok ? "ok" : fmt::format("FAIL ({})", r.failures)};
}

}  // namespace

std::string index_str(std::size_t flat, const Shape& shape) {
  std::vector<std::size_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    const std::size_t extent = shape[d] == 0 ? 1 : shape[d];
    idx[d] = flat % extent;
    flat /= extent;
  }
  return fmt::format("[{}]", fmt::join(idx, ", "));
}

std::string GradcheckResult::step_rule() const {
  const std::string where =
      fmt::format("{} differences, {}{}", scheme_name(options.scheme), dtype_name(dtype),
                  converted ? ", float32 values converted" : "");
  if (h_given) return fmt::format("h = {:.3g} (given) ({})", h, where);
  return fmt::format("h = {:.3g} * max(1, |x|) ({})", h, where);
}

std::string GradcheckResult::pass_rule() const {
  return fmt::format(
      "|a - n| <= atol + rtol * max(|a|, |n|) with atol = {:.1e}, rtol = {:.1e} (a analytic, "
      "n numeric); rel err = |a - n| / max(|a|, |n|), 0 when both are 0",
      options.atol, options.rtol);
}

std::string GradcheckResult::table() const {
  std::vector<Row> rows{{subject, "shape", "checked", "max rel err", "worst index", "analytic",
                         "numeric", "kinks", "result"}};
  for (const auto& r : inputs) rows.push_back(make_row(r));
  std::array<std::size_t, kColumns> width{};
  for (const auto& row : rows)
    for (std::size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (std::size_t c = 0; c < kColumns; ++c)
      line += fmt::format("{:<{}}{}", rows[i][c], width[c], c + 1 < kColumns ? "  " : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (i == 0) {
      std::size_t total = 0;
      for (auto w : width) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
  }
  for (const auto& r : inputs)
    if (!r.note.empty()) out += fmt::format("  {}: {}\n", r.name, r.note);
  return out;
}

std::size_t GradcheckResult::failures() const {
  std::size_t n = 0;
  for (const auto& r : inputs) n += r.ok ? 0 : 1;
  return n;
}
std::size_t GradcheckResult::kinks_crossed() const {
  std::size_t n = 0;
  for (const auto& r : inputs) n += r.kinks_crossed;
  return n;
}
std::size_t GradcheckResult::kinks_at() const {
  std::size_t n = 0;
  for (const auto& r : inputs) n += r.kinks_at;
  return n;
}
std::size_t GradcheckResult::checked() const {
  std::size_t n = 0;
  for (const auto& r : inputs) n += r.checked;
  return n;
}

std::string GradcheckResult::summary() const {
  const std::string kinks =
      kinks_crossed() + kinks_at() == 0
          ? ""
          : fmt::format("; kinks: {} crossed, {} at a kink", kinks_crossed(), kinks_at());
  if (ok) {
    double worst = 0.0;
    for (const auto& r : inputs) worst = std::max(worst, r.max_rel_error);
    return fmt::format("{}: ok, max rel err {:.2g} over {} coordinates of {} tensors{}", label,
                       worst, checked(), inputs.size(), kinks);
  }
  for (const auto& r : inputs) {
    if (r.ok) continue;
    if (r.checked == 0) return fmt::format("{}: FAILED at {}: {}", label, r.name, r.note);
    const std::string numeric =
        r.worst_kink == KinkStatus::smooth
            ? fmt::format("numeric {:.9g}", r.worst_numeric)
            : fmt::format("{}, one-sided slopes [{:.9g}, {:.9g}]{}", kink_name(r.worst_kink),
                          r.worst_left, r.worst_right,
                          options.kinks_fail ? " (kinks_fail is on)" : "");
    return fmt::format(
        "{}: FAILED at {} index {} (flat {}): analytic {:.9g}, {} (rel err {:.2g}); {} of {} "
        "coordinates failed{}",
        label, r.name, index_str(r.worst_index, r.shape), r.worst_index, r.worst_analytic, numeric,
        r.worst_rel_error, r.failures, r.checked, kinks);
  }
  return label + ": FAILED";
}

std::string GradcheckResult::report() const {
  std::string out = fmt::format("gradcheck {}\n", label);
  out += fmt::format("  step:   {}\n", step_rule());
  out += fmt::format("  pass:   {}\n", pass_rule());
  out += options.kinks_fail
             ? "  kinks:  a coordinate on or across a kink fails (kinks_fail)\n"
             : "  kinks:  a coordinate whose [x - h, x + h] crosses a kink, or that sits on one, "
               "passes when a lies between the one-sided slopes (numeric shows [left, right])\n";
  if (options.samples == 0)
    out += "  coords: every coordinate\n";
  else
    out += fmt::format(
        "  coords: every coordinate of tensors up to {} elements; {} drawn at random from larger "
        "ones (seed {})\n",
        std::max(options.full_limit, options.samples), options.samples, options.seed);
  out += table();
  for (const auto& w : warnings) out += fmt::format("warning: {}\n", w);
  out += summary() + "\n";
  return out;
}

}  // namespace slope
