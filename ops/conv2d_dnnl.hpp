// SPDX-License-Identifier: MIT
// conv2d's float32 kernels through oneDNN, the library libtorch's CPU convolutions run on: direct
// convolutions compiled at run time for this CPU, about 1.3x the speed of im2col and OpenBLAS's
// products on the example's second layer (docs/performance.md). float64, and builds without
// oneDNN, take im2col (conv2d.cpp). Internal: not part of <slope/slope.hpp>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "window2d.hpp"

namespace slope::detail {

/// Whether the oneDNN kernels take a float32 window with `o` output channels: slope was built
/// with oneDNN, no extent is 0 and the padding covers the last window exactly or more (oneDNN
/// takes no negative end padding).
bool dnnl_conv2d_takes(const Window2d& win, std::size_t o);

/// y [N, O, HO, WO] = conv2d(x, w) + b; b may be null. Returns a stamp for the backward: while no
/// other forward runs on the thread, it reuses this call's copy of x (0: nothing kept).
std::uint64_t dnnl_conv2d_forward(const Window2d& win, std::size_t o, const float* x,
                                  const float* w, const float* b, float* y);
/// The gradients for g [N, O, HO, WO], written, not added: dx [N, C, H, W] (null: not wanted),
/// dw [O, C, KH, KW] and db [O] (dw null: neither; db null: no bias). `x_stamp`: the forward's.
void dnnl_conv2d_backward(const Window2d& win, std::size_t o, const float* x, std::uint64_t x_stamp,
                          const float* w, const float* g, float* dx, float* dw, float* db);

}  // namespace slope::detail
