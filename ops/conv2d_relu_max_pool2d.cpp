// SPDX-License-Identifier: MIT
// conv2d -> relu -> max_pool2d as one node, and a run of such blocks as one node: when oneDNN runs
// the float32 convolutions and the pools' 2x2 windows tile their outputs, no convolution's output
// reaches NCHW. One pass over it, in the layout the kernel wrote (nChw16c here), writes the pooled
// result and a byte per window; the backward writes the convolution's g from those bytes in the
// layout its kernels read. Within a run, a block's pooled result and its gradient stay in that
// layout for the next block's kernels. The three nodes read and wrote the example's first
// activations [64, 32, 28, 28] (6.4 MB) seven times, two of them oneDNN's reorders to and from
// NCHW (docs/performance.md). Other calls take the three ops.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
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

// The pooled extents of a block (of a chunk of its images).
struct Pool {
  std::size_t n = 0, c = 0;    // images, channels
  std::size_t oh = 0, ow = 0;  // the pooled extents (the convolution's are twice them)
};

// The pass over conv2d's output y [N, C / B, 2 OH, 2 OW, B] (a chunk of the batch): the pooled
// result into out, in y's layout (`out_lanes`: within a run) or NCHW, and the bytes into codes
// [N, C / B, OH, OW, B]. Returns whether y held a NaN.
template <std::size_t B>
bool forward_pass(const Pool& p, const float* y, float* out, bool out_lanes, std::uint8_t* codes) {
  const std::size_t planes = p.n * p.c / B, w = 2 * p.ow, s = p.oh * p.ow;
  bool nan_seen = false;
  std::vector<float> m(out_lanes ? 0 : s * B);  // a block's pooled result [OH OW, B], for NCHW
  for (std::size_t plane = 0; plane < planes; ++plane) {
    // block (n, b) holds channels b B ... b B + B - 1 of image n
    float* lanes = out_lanes ? out + plane * s * B : m.data();
    for (std::size_t i = 0; i < p.oh; ++i) {
      const float* r0 = y + ((plane * 2 * p.oh + 2 * i) * w) * B;
      const float* r1 = r0 + w * B;
      std::uint8_t* code = codes + ((plane * p.oh + i) * p.ow) * B;
      float* mi = lanes + i * p.ow * B;
      if (detail::pool_row<B>(p.ow, r0, r1, mi, code)) {
        nan_seen = true;
        detail::pool_row_with_nan<B>(p.ow, r0, r1, mi, code);
      }
    }
    if (!out_lanes) detail::lanes_to_planes<B>(m.data(), s, out + plane * B * s);
  }
  return nan_seen;
}

// The convolution's g [N, C / B, 2 OH, 2 OW, B] (a chunk) from the pooled g, in the bytes' layout
// (`g_lanes`: within a run) or NCHW, and the bytes: every element written. `nan_seen`:
// forward_pass's answer.
template <std::size_t B>
void backward_pass(const Pool& p, const float* g, bool g_lanes, const std::uint8_t* codes,
                   bool nan_seen, float* dy) {
  const std::size_t planes = p.n * p.c / B, w = 2 * p.ow, s = p.oh * p.ow;
  std::vector<float> gr(g_lanes ? 0 : s * B);  // a block's pooled g [OH OW, B], from NCHW
  for (std::size_t plane = 0; plane < planes; ++plane) {
    const float* lanes = g + plane * B * s;
    if (!g_lanes) {
      detail::planes_to_lanes<B>(lanes, s, gr.data());
      lanes = gr.data();
    }
    for (std::size_t i = 0; i < p.oh; ++i) {
      float* d0 = dy + ((plane * 2 * p.oh + 2 * i) * w) * B;
      float* d1 = d0 + w * B;
      const std::uint8_t* code = codes + ((plane * p.oh + i) * p.ow) * B;
      detail::unpool_row<B>(p.ow, lanes + i * p.ow * B, code, d0, d1);
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

// Calls f(first, count, block) for each run of images in [first, end) whose bytes follow one
// layout.
template <class F>
void for_runs(const std::vector<std::uint8_t>& blocks, std::size_t first, std::size_t end, F&& f) {
  for (std::size_t i = first; i < end;) {
    std::size_t run = 1;
    while (i + run < end && blocks[i + run] == blocks[i]) ++run;
    f(i, run, std::size_t(blocks[i]));
    i += run;
  }
}

// A block's windows, checked on an input of shape x (the run's x or the last block's output).
struct Checked {
  Window2d conv;      // the convolution's
  std::size_t o = 0;  // its output channels
  Window2d pooled;    // the pool's over its output
};

Checked check_block(const char* op, const Shape& x, Dtype dtype, const ConvReluPool& k) {
  Checked c;
  c.conv = detail::conv2d_window(op, x, dtype, k.w, k.b, k.stride, k.padding);
  c.o = k.w.shape()[0];
  const Shape conv_shape{c.conv.n, c.o, c.conv.oh, c.conv.ow};
  c.pooled = detail::window2d(op, conv_shape, k.pool, k.pool, 0, [&] {
    return fmt::format("{}, pool {} over conv2d's output {}",
                       detail::conv2d_context(x, k.w, k.b, k.stride, k.padding),
                       detail::size2_str(k.pool), shape_str(conv_shape));
  });
  return c;
}

bool fused(Dtype dtype, const Checked& c, Size2 pool) {
  return dtype == Dtype::float32 && !branch_recording() && pool.h == 2 && pool.w == 2 &&
         c.conv.oh % 2 == 0 && c.conv.ow % 2 == 0 && detail::dnnl_conv2d_takes(c.conv, c.o);
}

// One block of a fused run, as its forward leaves it for the backward.
struct Stage {
  Window2d conv;
  std::size_t o = 0;
  Pool p;
  std::size_t w_at = 0;  // w's index in the node's inputs; b, if any, follows it
  bool has_bias = false;
  std::size_t x_block = 1;  // the layout its input came in, and its dx goes in (NCHW: the run's x)
  std::uint64_t x_stamp = 0;  // the forward's, for the backward
  // Within a run, the pooled result (the next block's x), in the layout of its bytes; null for the
  // last block, whose result is the node's value.
  std::shared_ptr<Array<float>> out;
  // A byte per pooled element, each image's in the layout its kernel wrote (codes_block).
  std::shared_ptr<std::uint8_t[]> codes;
  std::vector<std::uint8_t> codes_block;
  bool nan_seen = false;
  std::size_t per_image() const { return p.c * p.oh * p.ow; }
};

// Runs a block's forward on x (in Blocked's layout x_block) into `out`: NCHW for the last block,
// else each image in the layout its kernel wrote.
void forward_stage(Stage& st, const ConvReluPool& k, const float* x, float* out, bool last) {
  st.codes.reset(new std::uint8_t[st.p.n * st.per_image()]);
  st.codes_block.assign(st.p.n, 1);
  std::atomic<bool> nan_seen{false};
  const std::size_t per_image = st.per_image();
  st.x_stamp = detail::dnnl_conv2d_forward_to(
      st.conv, st.o, x, st.x_block, k.w.value().data<float>(),
      st.has_bias ? k.b.value().data<float>() : nullptr,
      [&](Blocked y, std::size_t first, std::size_t count) {
        std::fill_n(st.codes_block.begin() + static_cast<std::ptrdiff_t>(first), count,
                    static_cast<std::uint8_t>(y.block));
        with_block(y.block, [&](auto block) {
          const Pool chunk{count, st.p.c, st.p.oh, st.p.ow};
          if (forward_pass<decltype(block)::value>(chunk, y.data, out + first * per_image, !last,
                                                   st.codes.get() + first * per_image))
            nan_seen = true;
        });
      });
  st.nan_seen = nan_seen.load();
}

// The layout of a block's result within a run, for the next block: its images' one layout, or
// NCHW when its chunks' kernels wrote different ones (the result is moved).
std::size_t settle_layout(Stage& st) {
  const std::vector<std::uint8_t>& blocks = st.codes_block;
  if (std::all_of(blocks.begin(), blocks.end(), [&](std::uint8_t b) { return b == blocks[0]; }))
    return blocks[0];
  auto plain = std::make_shared<Array<float>>(st.out->shape());
  const std::size_t per_image = st.per_image(), s = st.p.oh * st.p.ow;
  for_runs(blocks, 0, st.p.n, [&](std::size_t i, std::size_t run, std::size_t block) {
    relayout(run, st.p.c, s, Blocked{st.out->data() + i * per_image, block},
             Blocked{plain->data() + i * per_image, 1});
  });
  st.out = std::move(plain);
  return 1;
}

// Writes the convolution's g for a block's images [first, first + count) into dy from the bytes
// and the pooled g, g_block its layout: the bytes' (within a run) or NCHW.
void write_conv_grad(const Stage& st, const float* g, std::size_t g_block, Blocked dy,
                     std::size_t first, std::size_t count) {
  // NOTE: the gradient kernels may read another layout than the forward wrote (with oneDNN's
  // SSE4.1 kernels: nChw8c forward, NCHW backward): then g is written in the bytes' layout and
  // moved.
  std::vector<float> moved;
  const std::size_t per_image = st.per_image(), dy_image = 4 * per_image;
  for_runs(st.codes_block, first, first + count,
           [&](std::size_t i, std::size_t run, std::size_t block) {
             Blocked to{dy.data + (i - first) * dy_image, dy.block};
             if (dy.block != block) {
               moved.resize(run * dy_image);
               to = Blocked{moved.data(), block};
             }
             // within a run g is in the layout every image's bytes follow (settle_layout)
             with_block(block, [&](auto lanes) {
               backward_pass<decltype(lanes)::value>(
                   Pool{run, st.p.c, st.p.oh, st.p.ow}, g + i * per_image, g_block != 1,
                   st.codes.get() + i * per_image, st.nan_seen, to.data);
             });
             if (dy.block != block)
               relayout(run, st.p.c, 4 * st.p.oh * st.p.ow, to,
                        Blocked{dy.data + (i - first) * dy_image, dy.block});
           });
}

Variable fused_run(const Variable& x, const std::vector<ConvReluPool>& blocks,
                   const std::vector<Checked>& checked) {
  Inputs inputs{x};
  std::vector<Stage> stages(blocks.size());
  const float* input = x.value().data<float>();  // block k's, in layout input_block
  std::size_t input_block = 1;
  Array<float> result;
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    Stage& st = stages[k];
    st.conv = checked[k].conv;
    st.o = checked[k].o;
    st.p = Pool{st.conv.n, st.o, checked[k].pooled.oh, checked[k].pooled.ow};
    st.w_at = inputs.size();
    inputs.push_back(blocks[k].w);
    st.has_bias = blocks[k].b.defined();
    if (st.has_bias) inputs.push_back(blocks[k].b);
    st.x_block = input_block;
    const Shape shape{st.p.n, st.p.c, st.p.oh, st.p.ow};
    if (k + 1 == blocks.size()) {
      result = Array<float>(shape);
      forward_stage(st, blocks[k], input, result.data(), true);
      break;
    }
    st.out = std::make_shared<Array<float>>(shape);
    forward_stage(st, blocks[k], input, st.out->data(), false);
    input_block = settle_layout(st);
    input = st.out->data();
  }
  return make_node(
      kOp, Tensor(std::move(result)), std::move(inputs),
      // why hand-written: the point of the op (one pass between the kernels, in their layout).
      [stages = std::move(stages)](const Tensor& g, Inputs& in) {
        // whether block k's input needs a gradient: the run's x, or a block's parameter before k
        std::vector<bool> need_dx(stages.size());
        bool before = in[0].requires_grad();
        for (std::size_t k = 0; k < stages.size(); ++k) {
          const Stage& st = stages[k];
          need_dx[k] = before;
          before = before || in[st.w_at].requires_grad() ||
                   (st.has_bias && in[st.w_at + 1].requires_grad());
        }
        const float* gk = g.data<float>();  // the pooled g of block k, in layout g_block
        std::size_t g_block = 1;
        Array<float> dh;  // within the run: the g of block k's output, block k + 1's dx
        for (std::size_t k = stages.size(); k-- > 0;) {
          const Stage& st = stages[k];
          detail::GradSource source;
          source.write = [&](Blocked dy, std::size_t first, std::size_t count) {
            write_conv_grad(st, gk, g_block, dy, first, count);
          };
          const Variable* b = st.has_bias ? &in[st.w_at + 1] : nullptr;
          if (k == 0) {
            detail::dnnl_conv2d_gradients(st.conv, st.o, st.x_stamp, source, in[0], in[st.w_at], b);
            break;
          }
          Array<float> dx;
          if (need_dx[k]) dx = Array<float>(Shape{st.conv.n, st.conv.c, st.conv.h, st.conv.w});
          detail::dnnl_conv2d_gradients(st.conv, st.o, stages[k - 1].out->data(), st.x_block,
                                        st.x_stamp, source, need_dx[k] ? dx.data() : nullptr,
                                        in[st.w_at], b);
          if (!need_dx[k]) break;
          dh = std::move(dx);
          gk = dh.data();
          g_block = st.x_block;
        }
      },
      // the replay: the blocks' attributes, their Variables from its inputs (the node holds
      // the same ones, so keeping them here keeps nothing more alive)
      [blocks](const Inputs& in) {
        std::vector<ConvReluPool> again = blocks;
        std::size_t at = 1;
        for (ConvReluPool& k : again) {
          k.w = in[at++];
          if (k.b.defined()) k.b = in[at++];
        }
        return conv2d_relu_max_pool2d(in[0], again);
      });
}
}  // namespace

Variable conv2d_relu_max_pool2d(const Variable& x, const std::vector<ConvReluPool>& blocks) {
  if (blocks.empty())
    throw ValueError(fmt::format("{}: no blocks to run (x shape {})", kOp, shape_str(x.shape())));
  std::vector<Checked> checked;
  Shape in = x.shape();
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    const std::string op =
        blocks.size() == 1 ? kOp : fmt::format("{} (block {} of {})", kOp, k + 1, blocks.size());
    checked.push_back(check_block(op.c_str(), in, x.dtype(), blocks[k]));
    in = Shape{in[0], checked[k].o, checked[k].pooled.oh, checked[k].pooled.ow};
  }
  bool all = true;
  for (std::size_t k = 0; k < blocks.size(); ++k)
    all = all && fused(x.dtype(), checked[k], blocks[k].pool);
  if (all) return fused_run(x, blocks, checked);
  Variable h = x;  // block by block, each fused or as the three ops
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    const ConvReluPool& b = blocks[k];
    h = fused(x.dtype(), checked[k], b.pool)
            ? fused_run(h, {b}, {checked[k]})
            : max_pool2d(relu(conv2d(h, b.w, b.b, b.stride, b.padding)), b.pool);
  }
  return h;
}

Variable conv2d_relu_max_pool2d(const Variable& x, const Variable& w, const Variable& b,
                                Size2 stride, Size2 padding, Size2 pool) {
  return conv2d_relu_max_pool2d(x, {ConvReluPool{w, b, stride, padding, pool}});
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
      // weights of at most 0.5: the second block's sums stay near 1, not 20 (the difference
      // quotients' rounding grows with the loss)
      {"run_of_two",
       {randn({2, 2, 8, 8}, seed + 5), detail::away_from_zero({3, 2, 3, 3}, seed + 6, 0.05, 0.5),
        randn({3}, seed + 7), detail::away_from_zero({4, 3, 3, 3}, seed + 8, 0.05, 0.5)},
       [](const Inputs& in) {
         return conv2d_relu_max_pool2d(in[0],
                                       {{in[1], in[2], 1, 1, 2}, {in[3], Variable(), 1, 1, 2}});
       }},
  };
}
const OpRegistration kConv2dReluMaxPool2d("conv2d_relu_max_pool2d", conv2d_relu_max_pool2d_cases,
                                          /*has_kinks=*/true);
}  // namespace

}  // namespace slope
