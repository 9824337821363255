// SPDX-License-Identifier: MIT
// conv2d -> relu -> max_pool2d as one node: when oneDNN runs the float32 convolution and the pool's
// 2x2 windows tile its output, conv2d's output never reaches NCHW. One pass over it, in the layout
// the kernel wrote (nChw16c here), writes the pooled result and a byte per window; the backward
// writes the convolution's g from those bytes in the layout its kernels read. The three nodes read
// and wrote the example's first activations [64, 32, 28, 28] (6.4 MB) seven times, two of them
// oneDNN's reorders to and from NCHW (docs/performance.md). Other calls take the three ops.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "conv2d_dnnl.hpp"
#include "elementwise.hpp"
#include "lanes.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "pool2x2_rows.hpp"
#include "window2d.hpp"

namespace slope {

namespace {
using detail::Blocked;
using detail::Window2d;

constexpr const char* kOp = "conv2d_relu_max_pool2d";

// The pooled extents and the layouts' sizes of one call.
struct Pool {
  std::size_t n = 0, c = 0;    // images, channels
  std::size_t oh = 0, ow = 0;  // the pooled extents (the convolution's are twice them)
};

// The pass over conv2d's output y [N, C / B, 2 OH, 2 OW, B] (a chunk of the batch): the pooled
// result into out (NCHW) and the bytes into codes [N, C / B, OH, OW, B]. Returns whether y held a
// NaN.
template <std::size_t B>
bool forward_pass(const Pool& p, const float* y, float* out, std::uint8_t* codes) {
  const std::size_t planes = p.n * p.c / B, w = 2 * p.ow;
  bool nan_seen = false;
  std::vector<float> m(p.oh * p.ow * B);  // a block's pooled result [OH OW, B]
  for (std::size_t plane = 0; plane < planes; ++plane) {
    for (std::size_t i = 0; i < p.oh; ++i) {
      const float* r0 = y + ((plane * 2 * p.oh + 2 * i) * w) * B;
      const float* r1 = r0 + w * B;
      std::uint8_t* code = codes + ((plane * p.oh + i) * p.ow) * B;
      float* mi = m.data() + i * p.ow * B;
      if (detail::pool_row<B>(p.ow, r0, r1, mi, code)) {
        nan_seen = true;
        detail::pool_row_with_nan<B>(p.ow, r0, r1, mi, code);
      }
    }
    // into NCHW: block (n, b) holds channels b B ... b B + B - 1 of image n, planes side by side
    detail::lanes_to_planes<B>(m.data(), p.oh * p.ow, out + plane * B * p.oh * p.ow);
  }
  return nan_seen;
}

// The convolution's g [N, C / B, 2 OH, 2 OW, B] (a chunk) from the pooled g (NCHW) and the bytes:
// every element written. `nan_seen`: forward_pass's answer.
template <std::size_t B>
void backward_pass(const Pool& p, const float* g, const std::uint8_t* codes, bool nan_seen,
                   float* dy) {
  const std::size_t planes = p.n * p.c / B, w = 2 * p.ow;
  std::vector<float> gr(p.oh * p.ow * B);  // a block's pooled g [OH OW, B], from NCHW
  for (std::size_t plane = 0; plane < planes; ++plane) {
    detail::planes_to_lanes<B>(g + plane * B * p.oh * p.ow, p.oh * p.ow, gr.data());
    for (std::size_t i = 0; i < p.oh; ++i) {
      float* d0 = dy + ((plane * 2 * p.oh + 2 * i) * w) * B;
      float* d1 = d0 + w * B;
      const std::uint8_t* code = codes + ((plane * p.oh + i) * p.ow) * B;
      detail::unpool_row<B>(p.ow, gr.data() + i * p.ow * B, code, d0, d1);
      if (nan_seen) detail::unpool_nans<B>(p.ow, code, d0, d1);
    }
  }
}

// y [N, C / B, S, B] in one block size into another (a block of 1 is NCHW).
void relayout(std::size_t n, std::size_t c, std::size_t s, Blocked from, Blocked to) {
  const auto at = [c, s](const Blocked& y, std::size_t i, std::size_t ch, std::size_t t) {
    return ((i * (c / y.block) + ch / y.block) * s + t) * y.block + ch % y.block;
  };
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t ch = 0; ch < c; ++ch)
      for (std::size_t t = 0; t < s; ++t) to.data[at(to, i, ch, t)] = from.data[at(from, i, ch, t)];
}

// Calls f.template operator()<B>() for the block of `b` (Blocked's: 1, 8, 16).
template <class F>
void with_block(std::size_t b, F&& f) {
  if (b == 16) return f(std::integral_constant<std::size_t, 16>());
  if (b == 8) return f(std::integral_constant<std::size_t, 8>());
  f(std::integral_constant<std::size_t, 1>());
}

bool fused(const Variable& x, const Window2d& conv, std::size_t o, Size2 pool) {
  return x.dtype() == Dtype::float32 && !branch_recording() && pool.h == 2 && pool.w == 2 &&
         conv.oh % 2 == 0 && conv.ow % 2 == 0 && detail::dnnl_conv2d_takes(conv, o);
}
}  // namespace

Variable conv2d_relu_max_pool2d(const Variable& x, const Variable& w, const Variable& b,
                                Size2 stride, Size2 padding, Size2 pool) {
  const Window2d conv = detail::conv2d_window(kOp, x, w, b, stride, padding);
  const std::size_t o = w.shape()[0];
  const Shape conv_shape{conv.n, o, conv.oh, conv.ow};
  const Window2d pooled = detail::window2d(kOp, conv_shape, pool, pool, 0, [&] {
    return fmt::format("{}, pool {} over conv2d's output {}",
                       detail::conv2d_context(x, w, b, stride, padding), detail::size2_str(pool),
                       shape_str(conv_shape));
  });
  if (!fused(x, conv, o, pool)) return max_pool2d(relu(conv2d(x, w, b, stride, padding)), pool);
  const Pool p{conv.n, o, pooled.oh, pooled.ow};
  Array<float> out(Shape{p.n, p.c, p.oh, p.ow});
  std::shared_ptr<std::uint8_t[]> codes(new std::uint8_t[p.n * p.c * p.oh * p.ow]);
  const bool has_bias = b.defined();
  std::atomic<bool> nan_seen{false};
  // by image, the layout its bytes follow: the forward kernel's (a chunk's kernels are their own)
  std::vector<std::uint8_t> codes_block(p.n, 1);
  const std::size_t per_image = p.c * p.oh * p.ow;  // of the pooled result and of the bytes
  const std::uint64_t x_stamp = detail::dnnl_conv2d_forward_to(
      conv, o, x.value().data<float>(), w.value().data<float>(),
      has_bias ? b.value().data<float>() : nullptr,
      [&](Blocked y, std::size_t first, std::size_t count) {
        std::fill_n(codes_block.begin() + static_cast<std::ptrdiff_t>(first), count,
                    static_cast<std::uint8_t>(y.block));
        with_block(y.block, [&](auto block) {
          const Pool chunk{count, p.c, p.oh, p.ow};
          if (forward_pass<decltype(block)::value>(chunk, y.data, out.data() + first * per_image,
                                                   codes.get() + first * per_image))
            nan_seen = true;
        });
      });
  Inputs inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_node(
      kOp, Tensor(std::move(out)), std::move(inputs),
      // why hand-written: the point of the op (one pass between the kernels, in their layout).
      [conv, o, p, codes = std::move(codes), codes_block = std::move(codes_block),
       nan_seen = nan_seen.load(), has_bias, x_stamp, per_image](const Tensor& g, Inputs& in) {
        detail::GradSource source;
        source.write = [&](Blocked dy, std::size_t first, std::size_t count) {
          // NOTE: the gradient kernels may read another layout than the forward wrote (with
          // oneDNN's SSE4.1 kernels: nChw8c forward, NCHW backward): then g is written in the
          // bytes' layout and moved.
          std::vector<float> moved;
          const std::size_t dy_image = p.c * 4 * p.oh * p.ow;
          for (std::size_t i = first, end = first + count; i < end;) {
            const std::size_t block = codes_block[i];
            std::size_t run = 1;  // images from i whose bytes follow one layout
            while (i + run < end && codes_block[i + run] == block) ++run;
            Blocked to{dy.data + (i - first) * dy_image, dy.block};
            if (dy.block != block) {
              moved.resize(run * dy_image);
              to = Blocked{moved.data(), block};
            }
            with_block(block, [&](auto lanes) {
              backward_pass<decltype(lanes)::value>(Pool{run, p.c, p.oh, p.ow},
                                                    g.data<float>() + i * per_image,
                                                    codes.get() + i * per_image, nan_seen, to.data);
            });
            if (dy.block != block)
              relayout(run, p.c, 4 * p.oh * p.ow, to,
                       Blocked{dy.data + (i - first) * dy_image, dy.block});
            i += run;
          }
        };
        detail::dnnl_conv2d_gradients(conv, o, x_stamp, source, in, has_bias);
      },
      [stride, padding, pool, has_bias](const Inputs& in) {
        return conv2d_relu_max_pool2d(in[0], in[1], has_bias ? in[2] : Variable(), stride, padding,
                                      pool);
      });
}

namespace {
// Standard normal inputs; the registry checks in float64, which takes the three ops: the fused
// float32 node is held to them bit for bit (tests/test_ops_conv.cpp).
std::vector<OpCase> conv2d_relu_max_pool2d_cases(std::uint64_t seed) {
  return {
      {"pad1_bias",
       {randn({2, 2, 4, 4}, seed), randn({3, 2, 3, 3}, seed + 1), randn({3}, seed + 2)},
       [](const Inputs& in) { return conv2d_relu_max_pool2d(in[0], in[1], in[2], 1, 1, 2); }},
      {"stride2_no_bias",
       {randn({2, 2, 9, 8}, seed + 3), randn({3, 2, 3, 2}, seed + 4)},
       [](const Inputs& in) {
         return conv2d_relu_max_pool2d(in[0], in[1], Variable(), 2, {1, 0}, 2);
       }},
  };
}
const OpRegistration kConv2dReluMaxPool2d("conv2d_relu_max_pool2d", conv2d_relu_max_pool2d_cases,
                                          /*has_kinks=*/true);
}  // namespace

}  // namespace slope
