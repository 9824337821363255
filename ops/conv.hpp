// SPDX-License-Identifier: MIT
// Convolution and pooling over images: NCHW inputs [N, C, H, W], OIHW weights [O, C, KH, KW].
// Every window extent, stride and padding is a Size2 (rows, columns); one number sets both.
#pragma once

#include <cstddef>
#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// A pair of extents (rows h, columns w): a kernel, a stride or a zero padding per side.
struct Size2 {
  std::size_t h = 1;
  std::size_t w = 1;
  constexpr Size2(std::size_t both = 1)
      : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  constexpr Size2(std::size_t rows, std::size_t cols) : h(rows), w(cols) {}
};

/// The 2-D cross-correlation (PyTorch's conv2d, no flip): x [N, C, H, W], w [O, C, KH, KW],
/// optional b [O] (a null Variable for none) -> [N, O, HO, WO], HO = (H + 2 ph - KH) / sh + 1
/// (rounded down), WO likewise. y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q]
/// x[n, c, i sh - ph + p, j sw - pw + q] (x is 0 outside). dy/dx = the transposed convolution of
/// g with w; dy/dw[o] = sum_n g[n, o] correlated with x[n]; dy/db[o] = the sum of g[:, o].
/// Throws ShapeError when x or w is not 4-D, their channels differ, b is not [O], or the kernel
/// is larger than the padded input; ValueError for a stride of 0 (all naming every shape).
Variable conv2d(const Variable& x, const Variable& w, const Variable& b = Variable(),
                Size2 stride = 1, Size2 padding = 0);

/// The max of each window: x [N, C, H, W] -> [N, C, HO, WO] (HO, WO as conv2d's with the
/// kernel's extents). Padding never wins (it is -inf); it may be at most half the kernel, so that
/// every window holds an element of x. dy/dx = g at the element each window took (the first of
/// equal maxima; ties are kinks), summed where windows overlap. A NaN in a window wins it, and
/// gets a NaN gradient (ops.md's NaN rule).
/// Throws ShapeError when x is not 4-D or the kernel is larger than the padded input; ValueError
/// for a kernel or stride of 0 or a padding above half the kernel.
Variable max_pool2d(const Variable& x, Size2 kernel, Size2 stride, Size2 padding = 0);
/// max_pool2d with the stride equal to the kernel (windows that tile the image).
Variable max_pool2d(const Variable& x, Size2 kernel);

/// max_pool2d(relu(conv2d(x, w, b, stride, padding)), pool): the same values and gradients (a NaN's
/// payload aside), as one node when the float32 convolution runs on oneDNN and the pool's 2x2
/// windows tile its output: nn::Sequential calls it for Conv2d, ReLU, MaxPool2d. Faster (no pass
/// over the convolution's output in NCHW; docs/performance.md) and smaller: the node keeps a byte
/// per pooled element. While branch recording is on (the gradient checker), and for other calls,
/// the three ops. Throws as conv2d and max_pool2d, the messages naming conv2d_relu_max_pool2d.
Variable conv2d_relu_max_pool2d(const Variable& x, const Variable& w, const Variable& b,
                                Size2 stride, Size2 padding, Size2 pool);

/// One conv2d -> relu -> max_pool2d block of a run: its weights, bias (null: none), the
/// convolution's stride and padding, and the pool's windows.
struct ConvReluPool {
  Variable w, b;
  Size2 stride = 1, padding = 0, pool = 2;
};
/// The blocks in turn, each on the last one's output: conv2d_relu_max_pool2d of each, the same
/// values and gradients, as one node when every block would be one (nn::Sequential calls it for
/// consecutive Conv2d, ReLU, MaxPool2d): between the blocks the activations and their gradients
/// stay in the kernels' blocked layout, never moved to NCHW and back (docs/performance.md). Else
/// the blocks one by one. Throws as conv2d_relu_max_pool2d, messages naming the block ("block 2 of
/// 2") in a run of several.
Variable conv2d_relu_max_pool2d(const Variable& x, const std::vector<ConvReluPool>& blocks);

/// The mean of each window, padding counted as zeros (PyTorch's count_include_pad): x
/// [N, C, H, W] -> [N, C, HO, WO]. dy/dx = g / (KH KW) spread over each window.
/// Throws as max_pool2d.
Variable avg_pool2d(const Variable& x, Size2 kernel, Size2 stride, Size2 padding = 0);
/// avg_pool2d with the stride equal to the kernel.
Variable avg_pool2d(const Variable& x, Size2 kernel);

}  // namespace slope
