// SPDX-License-Identifier: MIT
#include <algorithm>
#include <type_traits>
#include <vector>

#include "conv2d_dnnl.hpp"
#include "gemm.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "scratch.hpp"
#include "window2d.hpp"

namespace slope {

namespace {
using detail::Window2d;

// Moves one image between x [C, H, W] and its columns col [C KH KW, HO WO] (row (c, p, q) holds
// the input each output position sees through tap (p, q) of channel c). kGather: col = x's
// values, 0 for padding (im2col); else x += col, padding dropped (col2im, the adjoint; it zeroes
// col's padding entries).
template <bool kGather, class T>
void im2col_walk(const Window2d& win, std::conditional_t<kGather, const T*, T*> x, T* col) {
  const std::size_t kh = win.kernel.h, kw = win.kernel.w, sh = win.stride.h, sw = win.stride.w;
  const std::size_t hw = win.oh * win.ow, ph = win.padding.h, pw = win.padding.w;
  // NOTE: with unit strides and as many output columns as input columns ("same" padding, both
  // layers of the example), a tap reads one contiguous run of x: output (i, j) reads flat index
  // i W + j + a shift. One long copy, then the entries that wrapped around a row edge are zeroed,
  // instead of a short copy per output row (14 elements, mostly call overhead).
  const bool flat = sh == 1 && sw == 1 && win.ow == win.w;
  for (std::size_t c = 0; c < win.c; ++c)
    for (std::size_t p = 0; p < kh; ++p) {
      std::size_t i_lo = 0, i_hi = 0;
      detail::valid_range(win.oh, sh, ph, p, win.h, &i_lo, &i_hi);
      for (std::size_t q = 0; q < kw; ++q) {
        std::size_t j_lo = 0, j_hi = 0;
        detail::valid_range(win.ow, sw, pw, q, win.w, &j_lo, &j_hi);
        T* row = col + ((c * kh + p) * kw + q) * hw;
        if (flat && i_lo < i_hi && j_lo < j_hi) {
          const std::size_t first = i_lo * win.ow + j_lo, last = (i_hi - 1) * win.ow + j_hi;
          // x's flat index of output `first`; >= 0 as i_lo + p >= ph and j_lo + q >= pw.
          const std::size_t from = c * win.h * win.w + (i_lo + p - ph) * win.w + (j_lo + q - pw);
          // Column by column: a std::fill per row of one element or two would be a memset call.
          auto zero_edges = [&] {
            auto zero_column = [&](std::size_t j) {
              for (std::size_t i = i_lo; i < i_hi; ++i) row[i * win.ow + j] = T(0);
            };
            for (std::size_t j = 0; j < j_lo; ++j) zero_column(j);
            for (std::size_t j = j_hi; j < win.ow; ++j) zero_column(j);
          };
          if constexpr (kGather) {
            std::fill(row, row + first, T(0));
            std::copy(x + from, x + from + (last - first), row + first);
            std::fill(row + last, row + hw, T(0));
            zero_edges();
          } else {
            zero_edges();
            T* to = x + from;
            const T* add = row + first;
            for (std::size_t t = 0; t < last - first; ++t) to[t] += add[t];
          }
          continue;
        }
        if constexpr (kGather) {
          std::fill(row, row + i_lo * win.ow, T(0));
          std::fill(row + i_hi * win.ow, row + hw, T(0));
        }
        for (std::size_t i = i_lo; i < i_hi; ++i) {
          T* out = row + i * win.ow;
          // Column j reads x[c, i sh + p - ph, j sw + q - pw]; offsets >= 0 for j >= j_lo.
          auto* in = x + (c * win.h + i * sh + p - ph) * win.w + q;
          if constexpr (kGather) {
            std::fill(out, out + j_lo, T(0));
            std::fill(out + j_hi, out + win.ow, T(0));
            if (sw == 1)
              std::copy(in + j_lo - pw, in + j_hi - pw, out + j_lo);
            else
              for (std::size_t j = j_lo; j < j_hi; ++j) out[j] = in[j * sw - pw];
          } else if (sw == 1) {  // a unit stride, apart so that it vectorises
            T* to = in - pw;
            for (std::size_t j = j_lo; j < j_hi; ++j) to[j] += out[j];
          } else {
            for (std::size_t j = j_lo; j < j_hi; ++j) in[j * sw - pw] += out[j];
          }
        }
      }
    }
}

// NOTE: one BLAS product per image, not one over the batch: an image's columns (225 KB in the
// example's second layer) stay in cache from im2col to the product, the products read g and
// write y in NCHW directly (no transposes), and OpenBLAS runs 64 products [64, 288] x [288, 196]
// in less time than one [64, 288] x [288, 12544]: 5.2 against 7.0 ms with one thread; with two,
// slope's whole layer took as long as the batch's bare products (docs/performance.md).

// The sum of p[0, n) in double, in 8 independent lanes: one chain of dependent additions (what
// std::accumulate is) cost 4 ms per step of the example's first layer, 5 times its products.
template <class T>
double lane_sum(const T* p, std::size_t n) {
  constexpr std::size_t kLanes = 8;
  double lane[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) lane[l] += static_cast<double>(p[i + l]);
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(p[i]);
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])) +
         tail;
}

}  // namespace

namespace detail {
std::string conv2d_context(const Shape& x, const Variable& w, const Variable& b, Size2 stride,
                           Size2 padding) {
  return fmt::format("x shape {}, w shape {}, b shape {}, stride {}, padding {}", shape_str(x),
                     shape_str(w.shape()), b.defined() ? shape_str(b.shape()) : "none",
                     detail::size2_str(stride), detail::size2_str(padding));
}

Window2d conv2d_window(const char* op, const Shape& x, Dtype dtype, const Variable& w,
                       const Variable& b, Size2 stride, Size2 padding) {
  auto context = [&] { return conv2d_context(x, w, b, stride, padding); };
  check_same_dtype(op, "x", dtype, "w", w.dtype());
  if (b.defined()) check_same_dtype(op, "w", w.value(), "b", b.value());
  const Shape& ws = w.shape();
  if (ws.size() != 4)
    throw ShapeError(fmt::format("{}: expected a 4-D w [O, C, KH, KW] ({})", op, context()));
  const Window2d win = window2d(op, x, Size2(ws[2], ws[3]), stride, padding, context);
  if (ws[1] != win.c)
    throw ShapeError(
        fmt::format("{}: x has {} channels, w takes {} ({})", op, win.c, ws[1], context()));
  if (b.defined() && b.shape() != Shape{ws[0]})
    throw ShapeError(fmt::format("{}: the bias must have shape ({}) ({})", op, ws[0], context()));
  shape_size(Shape{win.n, ws[0], win.oh, win.ow}, op);  // before allocating
  return win;
}
}  // namespace detail

Variable conv2d(const Variable& x, const Variable& w, const Variable& b, Size2 stride,
                Size2 padding) {
  const Window2d win = detail::conv2d_window("conv2d", x.shape(), x.dtype(), w, b, stride, padding);
  const std::size_t o_count = w.shape()[0];
  const Shape out_shape{win.n, o_count, win.oh, win.ow};
  const std::size_t hw = win.oh * win.ow, k = win.c * win.kernel.h * win.kernel.w;
  const std::size_t x_image = win.c * win.h * win.w;
  const bool has_bias = b.defined();
  std::uint64_t x_stamp = 0;  // oneDNN's (conv2d_dnnl.hpp); 0 for im2col

  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    using A = std::decay_t<decltype(xv)>;
    using T = typename A::value_type;
    A out(out_shape);
    const T* wp = w.value().data<T>();
    const T* bp = has_bias ? b.value().data<T>() : nullptr;
    if constexpr (std::is_same_v<T, float>)
      if (detail::dnnl_conv2d_takes(win, o_count)) {
        x_stamp = detail::dnnl_conv2d_forward(win, o_count, xv.data(), wp, bp, out.data());
        return out;
      }
    T* col = detail::scratch<T, 0>(k * hw);
    for (std::size_t n = 0; n < win.n; ++n) {
      T* image = out.data() + n * o_count * hw;  // [O, HO WO]
      if (k > 0 && hw > 0 && o_count > 0) {
        im2col_walk<true, T>(win, xv.data() + n * x_image, col);
        gemm(false, false, o_count, hw, k, T(1), wp, col, T(0), image);  // [O, K] x [K, HO WO]
      } else {
        std::fill(image, image + o_count * hw, T(0));
      }
      if (bp)
        for (std::size_t o = 0; o < o_count; ++o) {
          T* row = image + o * hw;
          const T add = bp[o];
          for (std::size_t i = 0; i < hw; ++i) row[i] += add;
        }
    }
    return out;
  });
  Inputs inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_node(
      "conv2d", std::move(y), std::move(inputs),
      // why hand-written: a primitive; BLAS writes straight into the weight's gradient.
      [win, o_count, hw, k, x_image, has_bias, x_stamp](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          if constexpr (std::is_same_v<T, float>)
            if (detail::dnnl_conv2d_takes(win, o_count))
              return detail::dnnl_conv2d_gradients(win, o_count, x_stamp, {gv.data(), {}}, in[0],
                                                   in[1], has_bias ? &in[2] : nullptr);
          const bool need_x = in[0].requires_grad(), need_w = in[1].requires_grad();
          // A fresh dx is zeroed an image at a time, just before col2im adds onto it (in cache).
          bool dx_fresh = false;
          T* dx = need_x ? in[0].grad_slot(&dx_fresh).template data<T>() : nullptr;
          T* dw = need_w ? detail::zeroed_grad_slot<T>(in[1]) : nullptr;
          const T* xp = in[0].value().template data<T>();
          const T* wp = in[1].value().template data<T>();
          T* col = detail::scratch<T, 0>(k * hw);
          T* dcol = detail::scratch<T, 1>(k * hw);
          const bool products = k > 0 && hw > 0 && o_count > 0;
          if (dx_fresh && !products) std::fill(dx, dx + win.n * x_image, T(0));
          for (std::size_t n = 0; n < win.n && products; ++n) {
            const T* gs = gv.data() + n * o_count * hw;  // [O, HO WO]
            if (need_w) {  // [O, HO WO] x [HO WO, K] -> [O, K], summed over the images
              im2col_walk<true, T>(win, xp + n * x_image, col);
              gemm(false, true, o_count, k, hw, T(1), gs, col, T(1), dw);
            }
            if (need_x) {  // [K, O] x [O, HO WO] -> [K, HO WO], then back onto the image
              gemm(true, false, k, hw, o_count, T(1), wp, gs, T(0), dcol);
              T* dxn = dx + n * x_image;
              if (dx_fresh) std::fill(dxn, dxn + x_image, T(0));
              im2col_walk<false, T>(win, dxn, dcol);
            }
          }
          if (has_bias && in[2].requires_grad()) {  // [N, O, HO, WO] -> [O], summed in double
            // NOTE: a direct loop over contiguous rows: sum_over's general index walk over
            // axes (0, 2, 3) cost a fifth of the products' time here.
            std::vector<double> sums(o_count, 0.0);
            for (std::size_t n = 0; n < win.n; ++n)
              for (std::size_t o = 0; o < o_count; ++o)
                sums[o] += lane_sum(gv.data() + (n * o_count + o) * hw, hw);
            detail::write_or_add_grad<T>(
                in[2], [&sums](std::size_t o) { return static_cast<T>(sums[o]); });
          }
        });
      },
      [stride, padding, has_bias](const Inputs& in) {
        return conv2d(in[0], in[1], has_bias ? in[2] : Variable(), stride, padding);
      });
}

namespace {
std::vector<OpCase> conv2d_cases(std::uint64_t seed) {
  auto with_bias = [](Size2 stride, Size2 padding) {
    return [stride, padding](const Inputs& in) {
      return conv2d(in[0], in[1], in[2], stride, padding);
    };
  };
  return {
      {"plain",
       {randn({2, 3, 5, 4}, seed), randn({4, 3, 3, 2}, seed + 1), randn({4}, seed + 2)},
       with_bias(1, 0)},
      {"stride2_pad1",
       {randn({2, 2, 5, 6}, seed + 3), randn({3, 2, 3, 3}, seed + 4), randn({3}, seed + 5)},
       with_bias(2, 1)},
      {"mixed_stride_pad_no_bias",
       {randn({2, 2, 4, 5}, seed + 6), randn({2, 2, 2, 3}, seed + 7)},
       [](const Inputs& in) {
         return conv2d(in[0], in[1], Variable(), {2, 1}, {1, 0});
       }},
      {"same_pad_non_square",  // a kernel 2 p + 1 wide: conv2d's one-copy-per-tap path
       {randn({2, 2, 4, 5}, seed + 10), randn({3, 2, 3, 5}, seed + 11), randn({3}, seed + 12)},
       [](const Inputs& in) {
         return conv2d(in[0], in[1], in[2], 1, {1, 2});
       }},
      {"one_by_one",
       {randn({3, 2, 3, 2}, seed + 8), randn({2, 2, 1, 1}, seed + 9)},
       [](const Inputs& in) { return conv2d(in[0], in[1]); }},
  };
}
const OpRegistration kConv2d("conv2d", conv2d_cases);
}  // namespace

}  // namespace slope
