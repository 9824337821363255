// SPDX-License-Identifier: MIT
// The convolution rows (slope_bench_conv): one conv2d layer's forward + backward, and an SGD step
// of the example's whole CNN (examples/cnn.cpp without its dropout, whose masks the two libraries
// draw differently). Each contender lives in its own translation unit, as in rows.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rows.hpp"

namespace bench {

/// conv2d(x, w, b, stride 1, padding) forward, then backward from a fixed seed gradient g.
struct ConvLayerWork {
  std::size_t batch = 64, in = 1, out = 32, size = 28, kernel = 3, padding = 1;
  bool input_grad = false;  // the first layer's input is data; later layers' need dx
  std::vector<float> x, w, b, g;
  std::size_t out_size() const { return size + 2 * padding - kernel + 1; }
};
/// Seeded inputs of the layer's shapes (uniform, w scaled as PyTorch's default init).
ConvLayerWork conv_layer_work(std::size_t in, std::size_t out, std::size_t size, bool input_grad);

/// One SGD step (lr 0.01) of conv 3x3 (1 -> 32, pad 1) -> ReLU -> max pool 2 -> conv 3x3 (32 ->
/// 64, pad 1) -> ReLU -> max pool 2 -> fc 3136 -> 128 -> ReLU -> fc 128 -> 10, softmax loss.
struct CnnWork {
  std::size_t batch = 64, batches = 4;
  float lr = 0.01f;
  std::vector<float> x;  // [batches * batch, 784]
  std::vector<std::int64_t> y;
  std::vector<float> c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b;  // OIHW; fc weights [in, out]
};
CnnWork cnn_work(std::size_t batch);

Runner slope_conv_layer(const ConvLayerWork& w);
Runner torch_conv_layer(const ConvLayerWork& w);
/// The kernels slope's float32 conv2d issues for the layer (oneDNN's convolutions, or without
/// oneDNN im2col's BLAS products), alone, on buffers already in their layouts.
Runner floor_conv_layer(const ConvLayerWork& w);

/// `fused`: both conv -> relu -> pool blocks as one run of conv2d_relu_max_pool2d (as
/// nn::Sequential runs the example), else each as the three ops.
Runner slope_cnn_step(const CnnWork& w, bool fused = true);
Runner torch_cnn_step(const CnnWork& w);
/// The kernels of slope's CNN step (both convolutions' and the linear layers' products).
Runner floor_cnn_step(const CnnWork& w);
/// What the floor runs, for the table's header.
std::string floor_conv_kernels();
/// The floor's threads: BLAS's and (with oneDNN) OpenMP's.
void floor_conv_set_threads(int n);

}  // namespace bench
