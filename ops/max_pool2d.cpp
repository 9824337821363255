// SPDX-License-Identifier: MIT
#include <memory>
#include <vector>

#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "window2d.hpp"

namespace slope {

namespace {

// 2x2 windows inside x (the example's pools), without a branch on which element wins (a coin
// toss on real data: mispredictions made a branching loop 10x slower than the ReLU before it).
// The first of equal maxima in row-major order: the larger of each row's pair (strict >, so the
// left one on a tie), then the larger of the two (the top one on a tie), all selects. A window
// holding a NaN takes its first NaN, as the general walk does. Returns whether x held a NaN.
template <class T>
bool pool_2x2(const detail::Window2d& win, const T* xp, T* yp, std::size_t* ap) {
  const std::size_t width = win.w, sh = win.stride.h, sw = win.stride.w;
  bool any_nan = false;
  std::size_t o = 0;
  for (std::size_t plane = 0; plane < win.n * win.c; ++plane)
    for (std::size_t i = 0; i < win.oh; ++i) {
      const std::size_t top = plane * win.h * width + i * sh * width;
      const T* r0 = xp + top;
      const T* r1 = r0 + width;
      bool row_nan = false;
      for (std::size_t j = 0; j < win.ow; ++j) {
        const std::size_t at = j * sw;
        const T a = r0[at], b = r0[at + 1], c = r1[at], d = r1[at + 1];
        const bool right0 = b > a, right1 = d > c;
        const T m0 = right0 ? b : a, m1 = right1 ? d : c;
        const std::size_t i0 = right0 ? 1 : 0, i1 = width + (right1 ? 1 : 0);
        const bool bottom = m1 > m0;
        yp[o + j] = bottom ? m1 : m0;
        ap[o + j] = top + at + (bottom ? i1 : i0);
        row_nan |= (a != a) | (b != b) | (c != c) | (d != d);
      }
      if (row_nan)  // rare: the row again, each window with a NaN taking its first one
        for (std::size_t j = 0; j < win.ow; ++j) {
          const std::size_t at = top + j * sw;
          for (const std::size_t k : {at + width + 1, at + width, at + 1, at})
            if (xp[k] != xp[k]) ap[o + j] = k;
          yp[o + j] = xp[ap[o + j]];
        }
      any_nan |= row_nan;
      o += win.ow;
    }
  return any_nan;
}
}  // namespace

Variable max_pool2d(const Variable& x, Size2 kernel, Size2 stride, Size2 padding) {
  const detail::Window2d win =
      detail::pool_window("max_pool2d", x.shape(), kernel, stride, padding);
  const Shape out_shape{win.n, win.c, win.oh, win.ow};
  shape_size(out_shape, "max_pool2d");  // before allocating
  // arg[o]: flat index in x of the element output o took (the first maximal one). Every entry is
  // written below: left uninitialised rather than filled first (3 MB per call in the example).
  const std::size_t count = shape_size(out_shape);
  std::shared_ptr<std::size_t[]> arg(new std::size_t[count]);
  std::vector<char> tied;
  const bool record = branch_recording();
  if (record) tied.assign(count, 0);
  bool nan_pass = true;  // whether the backward must apply the NaN rule over all of x
  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    using A = std::decay_t<decltype(xv)>;
    using T = typename A::value_type;
    A out(out_shape);
    const T* xp = xv.data();
    T* yp = out.data();
    std::size_t* ap = arg.get();
    const std::size_t width = win.w;
    if (!record && win.kernel.h == 2 && win.kernel.w == 2 && win.padding.h == 0 &&
        win.padding.w == 0) {
      // NOTE: windows that tile x exactly read every element: then only a NaN seen here needs
      // the backward's NaN rule pass over x.
      const bool tiles = win.stride.h == 2 && win.stride.w == 2 && win.h % 2 == 0 && win.w % 2 == 0;
      nan_pass = pool_2x2(win, xp, yp, ap) || !tiles;
      return out;
    }
    detail::for_each_window(win, [&](std::size_t o, std::size_t plane, std::size_t r0,
                                     std::size_t r1, std::size_t c0, std::size_t c1) {
      // The window's first element, then the rest in row-major order (the window is not empty).
      // NOTE: locals only (xp, ap, width): stores through ap may alias what a capture by
      // reference points to, which would reload it on every element.
      std::size_t a = plane + r0 * width + c0;
      T best = xp[a];
      for (std::size_t r = r0; r < r1; ++r) {
        const std::size_t row = plane + r * width;
        for (std::size_t c = r == r0 ? c0 + 1 : c0; c < c1; ++c) {
          const T v = xp[row + c];
          // NOTE: strict > keeps the first of equal maxima; a NaN wins, so it propagates.
          if (v > best || (v != v && best == best)) {
            a = row + c;
            best = v;
          }
        }
      }
      ap[o] = a;
      yp[o] = best;
      if (!record) return;
      for (std::size_t r = r0; r < r1; ++r)
        for (std::size_t c = c0; c < c1; ++c) {
          const std::size_t i = plane + r * win.w + c;
          if (i != a && xp[i] == xp[a]) tied[o] = 1;
        }
    });
    return out;
  });
  // The branch taken by each output is which element won; a tie sits on the kink.
  BranchRecord branches;
  if (record)
    branches = record_branches(
        count, [won = arg.get()](std::size_t o) { return won[o]; },
        [&](std::size_t o) { return tied[o] != 0; });
  Variable result = make_node(
      "max_pool2d", std::move(y), {x},
      // why hand-written: only the winners' indices are kept; g goes straight to them.
      [arg = std::move(arg), count, nan_pass](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          T* d = detail::zeroed_grad_slot<T>(in[0]);
          const std::size_t* won = arg.get();
          for (std::size_t o = 0; o < count; ++o) d[won[o]] += gv.data()[o];
        });
        // NOTE: the NaN rule (op_helpers.hpp), on the gradient just written.
        if (nan_pass) detail::nan_where_nan(in[0].grad(), in[0].value());
      },
      [kernel, stride, padding](const Inputs& in) {
        return max_pool2d(in[0], kernel, stride, padding);
      });
  if (record && result.requires_grad()) result.node()->branches = branches;
  return result;
}

Variable max_pool2d(const Variable& x, Size2 kernel) { return max_pool2d(x, kernel, kernel); }

namespace {
// Standard normal inputs: no two of a window come near a tie (kinks_at and kinks_crossed stay 0).
std::vector<OpCase> max_pool2d_cases(std::uint64_t seed) {
  return {
      {"tiling",
       {randn({2, 3, 4, 6}, seed)},
       [](const Inputs& in) { return max_pool2d(in[0], 2); }},
      {"stride1_overlap",
       {randn({2, 2, 4, 5}, seed + 1)},
       [](const Inputs& in) {
         return max_pool2d(in[0], {2, 3}, 1);
       }},
      {"stride2_pad1",
       {randn({2, 2, 5, 4}, seed + 2)},
       [](const Inputs& in) { return max_pool2d(in[0], 3, 2, 1); }},
  };
}
const OpRegistration kMaxPool2d("max_pool2d", max_pool2d_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
