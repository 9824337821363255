// SPDX-License-Identifier: MIT
// What conv2d and the pools share: the checks of a sliding window over an NCHW image and the
// output extents. Internal: not part of <slope/slope.hpp>.
#pragma once

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../graph/variable.hpp"
#include "conv.hpp"

namespace slope::detail {

inline std::string size2_str(Size2 s) { return fmt::format("({}, {})", s.h, s.w); }

/// The gradient buffer of `v` for a backward that adds into it: a fresh one is zeroed first.
template <class T>
T* zeroed_grad_slot(const Variable& v) {
  bool fresh = false;
  T* d = v.grad_slot(&fresh).template data<T>();
  if (fresh) std::fill(d, d + v.size(), T(0));
  return d;
}

/// A sliding window over x [N, C, H, W]: its input and output extents.
struct Window2d {
  std::size_t n = 0, c = 0, h = 0, w = 0;  // the input
  Size2 kernel, stride, padding;
  std::size_t oh = 0, ow = 0;  // the output
};

/// Checks the window and computes the output extents. `context()` ends every message (every shape
/// and attribute of the call: "x shape (1, 2, 3, 3), w shape ..."); it runs only to throw. Throws
/// ShapeError when x is not 4-D or the kernel exceeds the padded input, ValueError for a 0 kernel
/// or stride.
template <class Context>
Window2d window2d(const char* op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding,
                  Context context) {
  if (x.size() != 4)
    throw ShapeError(fmt::format("{}: expected a 4-D x [N, C, H, W] ({})", op, context()));
  if (kernel.h == 0 || kernel.w == 0)
    throw ValueError(fmt::format("{}: the kernel must be at least 1 ({})", op, context()));
  if (stride.h == 0 || stride.w == 0)
    throw ValueError(fmt::format("{}: the stride must be at least 1 ({})", op, context()));
  const std::size_t limit = kMaxTensorElements;  // keeps H + 2 p from overflowing
  if (padding.h > limit || padding.w > limit)
    throw ValueError(fmt::format("{}: the padding is too large ({})", op, context()));
  Window2d win{x[0], x[1], x[2], x[3], kernel, stride, padding, 0, 0};
  const std::size_t ph = x[2] + 2 * padding.h, pw = x[3] + 2 * padding.w;
  if (kernel.h > ph || kernel.w > pw)
    throw ShapeError(fmt::format("{}: the kernel {} is larger than the padded input ({}, {}) ({})",
                                 op, size2_str(kernel), ph, pw, context()));
  win.oh = (ph - kernel.h) / stride.h + 1;
  win.ow = (pw - kernel.w) / stride.w + 1;
  return win;
}

/// Every shape and attribute of a conv2d call, for the end of its error messages (conv2d.cpp).
std::string conv2d_context(const Shape& x, const Variable& w, const Variable& b, Size2 stride,
                           Size2 padding);
/// conv2d's checks (ops/conv.hpp's), messages starting with `op`: the window of w over x [N, C, H,
/// W] of element type `dtype`, w [O, C, KH, KW], b [O] or null (conv2d.cpp).
Window2d conv2d_window(const char* op, const Shape& x, Dtype dtype, const Variable& w,
                       const Variable& b, Size2 stride, Size2 padding);

/// The first index i of [0, n_out) whose window start i s - p + k is >= 0, and one past the last
/// whose start is < extent: the outputs that tap input row (or column) i s - p + k.
inline void valid_range(std::size_t n_out, std::size_t s, std::size_t p, std::size_t k,
                        std::size_t extent, std::size_t* lo, std::size_t* hi) {
  // i s + k >= p  <=>  i >= ceil((p - k) / s)
  *lo = k >= p ? 0 : (p - k + s - 1) / s;
  // i s + k - p < extent  <=>  i s < extent + p - k
  const std::size_t bound = extent + p;
  *hi = bound <= k ? 0 : std::min(n_out, (bound - k + s - 1) / s);
  if (*lo > *hi) *lo = *hi;
}

/// A pool's window over x: window2d's checks, and a padding of at most half the kernel (so that
/// every window holds an element of x). The messages end with x's shape and the attributes.
inline Window2d pool_window(const char* op, const Shape& x, Size2 kernel, Size2 stride,
                            Size2 padding) {
  auto context = [&] {
    return fmt::format("x shape {}, kernel {}, stride {}, padding {}", shape_str(x),
                       size2_str(kernel), size2_str(stride), size2_str(padding));
  };
  const Window2d win = window2d(op, x, kernel, stride, padding, context);
  if (2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    throw ValueError(
        fmt::format("{}: the padding may be at most half the kernel ({})", op, context()));
  return win;
}

/// Calls f(o, plane, r0, r1, c0, c1) for every output element o of a pool, in row-major order:
/// `plane` is the flat index in x of its image plane [n, c, 0, 0] and [r0, r1) x [c0, c1) the
/// part of its window inside x (pool_window keeps it non-empty).
template <class F>
void for_each_window(const Window2d& win, F&& f) {
  const std::size_t sh = win.stride.h, sw = win.stride.w, ph = win.padding.h, pw = win.padding.w;
  std::size_t o = 0;
  for (std::size_t plane = 0; plane < win.n * win.c; ++plane)
    for (std::size_t i = 0; i < win.oh; ++i) {
      const std::size_t r0 = i * sh >= ph ? i * sh - ph : 0;
      const std::size_t r1 = std::min(win.h, i * sh + win.kernel.h - ph);
      for (std::size_t j = 0; j < win.ow; ++j) {
        const std::size_t c0 = j * sw >= pw ? j * sw - pw : 0;
        const std::size_t c1 = std::min(win.w, j * sw + win.kernel.w - pw);
        f(o++, plane * win.h * win.w, r0, r1, c0, c1);
      }
    }
}

}  // namespace slope::detail
