// SPDX-License-Identifier: MIT
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "pool_rule.hpp"
#include "window2d.hpp"

namespace slope {

namespace {

// 2x2 windows that tile x (stride 2, no padding, even H and W): the example's pools. No indices
// are kept: the backward finds each window's winner again from x. Output row r reads rows 2r and
// 2r + 1 of x seen as [N C OH, 2, 2 OW].
//
// A row of windows holding a NaN takes the general rule (pool_rule.hpp; every NaN gets a NaN
// gradient); other rows are selects only.
using detail::displaces;
using detail::has_nan;
using detail::keep_if;
using detail::winner;

// Returns whether x held a NaN.
template <class T>
bool tiles_forward(std::size_t rows, std::size_t ow, const T* x, T* y) {
  bool any_nan = false;
  for (std::size_t r = 0; r < rows; ++r, y += ow) {
    const T* r0 = x + r * 4 * ow;
    const T* r1 = r0 + 2 * ow;
    if (has_nan(r0, r1, 2 * ow)) {
      any_nan = true;
      for (std::size_t j = 0; j < ow; ++j) {
        const T v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
        y[j] = v[winner(v)];
      }
      continue;
    }
    for (std::size_t j = 0; j < ow; ++j) {
      const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
      const T m0 = b > a ? b : a, m1 = d > c ? d : c;
      y[j] = m1 > m0 ? m1 : m0;
    }
  }
  return any_nan;
}

// dx (+)= g at each window's winner and 0 elsewhere: every element of x is written (written
// over a fresh gradient, which so needs no zeroing first; added to one that holds a sum).
// `nan_seen`: the forward's answer; without a NaN in x no row is scanned for one again.
template <bool kAdd, class T>
void tiles_backward(std::size_t rows, std::size_t ow, const T* x, const T* g, T* dx,
                    bool nan_seen) {
  const auto put = [](T& slot, T v) { slot = kAdd ? slot + v : v; };
  for (std::size_t r = 0; r < rows; ++r, g += ow) {
    const T* r0 = x + r * 4 * ow;
    const T* r1 = r0 + 2 * ow;
    T* d0 = dx + r * 4 * ow;
    T* d1 = d0 + 2 * ow;
    if (nan_seen && has_nan(r0, r1, 2 * ow)) {
      for (std::size_t j = 0; j < ow; ++j) {
        const T v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
        T* slots[4] = {&d0[2 * j], &d0[2 * j + 1], &d1[2 * j], &d1[2 * j + 1]};
        const int k = winner(v);
        for (int i = 0; i < 4; ++i) {
          put(*slots[i], i == k ? g[j] : T(0));
          if (v[i] != v[i]) *slots[i] = v[i];  // the NaN rule (op_helpers.hpp)
        }
      }
      continue;
    }
    for (std::size_t j = 0; j < ow; ++j) {
      const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
      const bool right0 = b > a, right1 = d > c;
      const bool bottom = (right1 ? d : c) > (right0 ? b : a);
      const T top = keep_if(!bottom, g[j]), low = keep_if(bottom, g[j]);  // g by row
      put(d0[2 * j], keep_if(!right0, top));
      put(d0[2 * j + 1], keep_if(right0, top));
      put(d1[2 * j], keep_if(!right1, low));
      put(d1[2 * j + 1], keep_if(right1, low));
    }
  }
}

bool tiles_2x2(const detail::Window2d& win) {
  return win.kernel.h == 2 && win.kernel.w == 2 && win.stride.h == 2 && win.stride.w == 2 &&
         win.padding.h == 0 && win.padding.w == 0 && win.h % 2 == 0 && win.w % 2 == 0;
}

Variable max_pool2d_tiles(const Variable& x, const detail::Window2d& win, Shape out_shape,
                          OpFn replay) {
  const std::size_t rows = win.n * win.c * win.oh, ow = win.ow;
  bool nan_seen = false;
  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    std::decay_t<decltype(xv)> out(out_shape);
    nan_seen = tiles_forward(rows, ow, xv.data(), out.data());
    return out;
  });
  return make_node(
      "max_pool2d", std::move(y), {x},
      // why hand-written: the winners are found again from x, and only they get g.
      [rows, ow, nan_seen](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          bool fresh = false;
          T* d = in[0].grad_slot(&fresh).template data<T>();
          const T* xp = in[0].value().template data<T>();
          if (fresh)
            tiles_backward<false>(rows, ow, xp, gv.data(), d, nan_seen);
          else
            tiles_backward<true>(rows, ow, xp, gv.data(), d, nan_seen);
        });
      },
      std::move(replay));
}
}  // namespace

Variable max_pool2d(const Variable& x, Size2 kernel, Size2 stride, Size2 padding) {
  const detail::Window2d win =
      detail::pool_window("max_pool2d", x.shape(), kernel, stride, padding);
  const Shape out_shape{win.n, win.c, win.oh, win.ow};
  shape_size(out_shape, "max_pool2d");  // before allocating
  OpFn replay = [kernel, stride, padding](const Inputs& in) {
    return max_pool2d(in[0], kernel, stride, padding);
  };
  const bool record = branch_recording();  // the tiles record no kinks: the general walk does
  if (!record && tiles_2x2(win)) return max_pool2d_tiles(x, win, out_shape, std::move(replay));
  // arg[o]: flat index in x of the element output o took (the first maximal one). Every entry is
  // written below: left uninitialised rather than filled first (3 MB per call in the example).
  const std::size_t count = shape_size(out_shape);
  std::shared_ptr<std::size_t[]> arg(new std::size_t[count]);
  std::vector<char> tied;
  if (record) tied.assign(count, 0);
  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    using A = std::decay_t<decltype(xv)>;
    using T = typename A::value_type;
    A out(out_shape);
    const T* xp = xv.data();
    T* yp = out.data();
    std::size_t* ap = arg.get();
    const std::size_t width = win.w;
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
          if (displaces(v, best)) {
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
      [arg = std::move(arg), count](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          T* d = detail::zeroed_grad_slot<T>(in[0]);
          const std::size_t* won = arg.get();
          for (std::size_t o = 0; o < count; ++o) d[won[o]] += gv.data()[o];
        });
        // NOTE: the NaN rule (op_helpers.hpp), on the gradient just written.
        detail::nan_where_nan(in[0].grad(), in[0].value());
      },
      std::move(replay));
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
