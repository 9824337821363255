// SPDX-License-Identifier: MIT
// conv2d's float32 kernels through oneDNN, the library libtorch's CPU convolutions run on: direct
// convolutions compiled at run time for this CPU, about 1.3x the speed of im2col and OpenBLAS's
// products on the example's second layer (docs/performance.md). The batch runs a chunk of images
// per thread, each chunk's result still in the core's cache for the pass that reads it. float64,
// and builds without oneDNN, take im2col (conv2d.cpp). Internal: not part of <slope/slope.hpp>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "window2d.hpp"

namespace slope::detail {

/// Whether the oneDNN kernels take a float32 window with `o` output channels: slope was built
/// with oneDNN, no extent is 0 and the padding covers the last window exactly or more (oneDNN
/// takes no negative end padding).
bool dnnl_conv2d_takes(const Window2d& win, std::size_t o);

/// A batch of n images in `count` chunks for the kernels: n / count images each, the first
/// n % count one more.
struct ConvChunks {
  std::size_t n = 0, count = 1;
  std::size_t first(std::size_t k) const { return k * (n / count) + std::min(k, n % count); }
  std::size_t size(std::size_t k) const { return n / count + (k < n % count ? 1 : 0); }
};

/// The chunks of a batch of n whose outputs take `image_bytes` each, on `threads`: a chunk's output
/// at most 1 MB (a core's L2 cache holds it), the count a multiple of the threads where there are
/// enough images (balanced: a thread's images differ from another's by at most its chunk count).
ConvChunks dnnl_conv2d_chunks(std::size_t n, std::size_t image_bytes, int threads);

/// An activation [N, C, H, W] in the layout a oneDNN kernel reads or writes: nChw{block}c, element
/// (n, c, h, w) at (((n ceil(C / block) + c / block) H + h) W + w) block + c % block; block 1 is
/// NCHW. C is a multiple of the block (no padded channels), so an image takes C H W elements in
/// any of them.
struct Blocked {
  float* data = nullptr;
  std::size_t block = 1;
};

/// y [N, O, HO, WO] = conv2d(x, w) + b (all NCHW); b may be null. Returns a stamp for the backward:
/// until the next forward, it reuses this call's copy of x in the kernel's layout (0: nothing
/// kept).
std::uint64_t dnnl_conv2d_forward(const Window2d& win, std::size_t o, const float* x,
                                  const float* w, const float* b, float* y);

/// Takes images [first, first + count) of y (or g) in a kernel's layout: called once per chunk of
/// the batch, from several threads at once (each chunk's from the thread that ran its kernel).
using Consumer = std::function<void(Blocked y, std::size_t first, std::size_t count)>;

/// The forward of x in Blocked's layout `x_block`, handing y [N, O, HO, WO] to `consume` chunk by
/// chunk in the layout the kernel wrote it in (no reorder to NCHW; NCHW when that layout is not
/// nChw{8,16}c). A chunk's y lives in the thread's buffer until its next chunk: `consume` reads
/// it, copies what it needs. Returns as the above.
std::uint64_t dnnl_conv2d_forward_to(const Window2d& win, std::size_t o, const float* x,
                                     std::size_t x_block, const float* w, const float* b,
                                     const Consumer& consume);

/// Where the backward's g [N, O, HO, WO] comes from: slope's NCHW buffer `plain`, or else
/// `write`, which fills a chunk's buffer in the layout the kernels read (every element).
struct GradSource {
  const float* plain = nullptr;
  Consumer write;
};

/// The gradients for g [N, O, HO, WO], written, not added: dx [N, C, H, W] (null: not wanted; in
/// x's layout `x_block`), dw [O, C, KH, KW] and db [O] (dw null: neither; db null: no bias).
/// `x_stamp`: the forward's.
void dnnl_conv2d_backward(const Window2d& win, std::size_t o, const float* x, std::size_t x_block,
                          std::uint64_t x_stamp, const float* w, const GradSource& g, float* dx,
                          float* dw, float* db);

/// conv2d's float32 backward into dx (written, in x's layout `x_block`; null: not wanted) and the
/// gradients of w and b (null: no bias) that require one: a fresh gradient is written directly,
/// one that holds a sum gets the result added.
void dnnl_conv2d_gradients(const Window2d& win, std::size_t o, const float* x, std::size_t x_block,
                           std::uint64_t x_stamp, const GradSource& g, float* dx, const Variable& w,
                           const Variable* b);
/// The same for an x that is a Variable (NCHW), into its gradient if it requires one.
void dnnl_conv2d_gradients(const Window2d& win, std::size_t o, std::uint64_t x_stamp,
                           const GradSource& g, const Variable& x, const Variable& w,
                           const Variable* b);

}  // namespace slope::detail
