// SPDX-License-Identifier: MIT
// The floor of the convolution rows: the kernels slope issues for them, in its order (every
// layer's forward, then the backwards), alone, on buffers made once and already in the layouts the
// kernels want (no im2col, no reorders, no elementwise work, no graph). In float32 slope's conv2d
// runs oneDNN's convolutions when built with oneDNN (ops/conv2d_dnnl.cpp: a chunk of images per
// thread), else im2col and one BLAS product per image (ops/conv2d.cpp); the floor issues the same
// kernels, and the linear layers' BLAS products.
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <cblas.h>

#include "conv_rows.hpp"

#if BENCH_HAVE_DNNL
#include <map>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <slope/ops/conv2d_dnnl.hpp>
#endif

namespace bench {

namespace {
// C [m, n] = op(A) op(B), op(A) [m, k], op(B) [k, n], row-major.
struct Product {
  bool ta = false, tb = false;
  std::size_t m = 0, n = 0, k = 0;
  std::size_t times = 1;  // issued this many times (once per image)
};

int as_int(std::size_t v) { return static_cast<int>(v); }

using Kernel = std::function<void()>;

// A product issued `times` times on buffers of its own.
Kernel product_kernel(const Product& p) {
  auto a = std::make_shared<std::vector<float>>(p.m * p.k, 0.01f);
  auto b = std::make_shared<std::vector<float>>(p.k * p.n, 0.01f);
  auto c = std::make_shared<std::vector<float>>(p.m * p.n, 0.0f);
  return [p, a, b, c] {
    for (std::size_t t = 0; t < p.times; ++t)
      cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans, p.tb ? CblasTrans : CblasNoTrans,
                  as_int(p.m), as_int(p.n), as_int(p.k), 1.0f, a->data(), as_int(p.ta ? p.m : p.k),
                  b->data(), as_int(p.tb ? p.k : p.n), 0.0f, c->data(), as_int(p.n));
  };
}

Runner floor_of(std::vector<Kernel> kernels) {
  Runner r;
  r.step = [ks = std::move(kernels)] {
    for (const Kernel& k : ks) k();
    return std::nan("");
  };
  return r;
}

// A layer's kernels in the order a step issues them: every forward, then (after the layers
// above) every backward.
struct LayerKernels {
  Kernel forward, backward;
};

#if BENCH_HAVE_DNNL
using dnnl::memory;

// A memory of its own in layout `desc`, filled.
memory filled(const memory::desc& desc, const dnnl::engine& engine) {
  memory m(desc, engine);
  auto* p = static_cast<float*>(m.get_data_handle());
  std::fill(p, p + desc.get_size() / sizeof(float), 0.01f);
  return m;
}

// A conv2d layer's oneDNN kernels for a chunk of images, as ops/conv2d_dnnl.cpp creates them
// (direct, forward_training, the layouts oneDNN picks, user scratchpads): the forward, the weight
// and bias gradients and (for a hidden layer) the data gradient. y, g, dx, the weights and the
// scratchpads are the thread's, shared by its chunks of this size, as slope's buffers are; x is
// the chunk's own images (forward and backward take it), as slope keeps each chunk's x.
struct Layer {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::convolution_forward forward_kernel;
  dnnl::convolution_backward_weights weights;
  dnnl::convolution_backward_data data;
  std::unordered_map<int, memory> forward_args, weights_args, data_args;
  memory::desc x_desc;          // the forward's x, which a chunk's x is made in
  bool weights_read_x = false;  // the weight gradient reads x in that layout too
  bool input_grad = false;

  void forward(const memory& x) {
    forward_args[DNNL_ARG_SRC] = x;
    forward_kernel.execute(stream, forward_args);
    stream.wait();
  }
  void backward(const memory& x) {
    if (weights_read_x) weights_args[DNNL_ARG_SRC] = x;
    weights.execute(stream, weights_args);
    if (input_grad) data.execute(stream, data_args);
    stream.wait();
  }
};

std::unique_ptr<Layer> make_layer(std::size_t batch, std::size_t in, std::size_t out,
                                  std::size_t size, std::size_t kernel, std::size_t pad,
                                  bool input_grad) {
  using tag = memory::format_tag;
  auto l = std::make_unique<Layer>();
  l->input_grad = input_grad;
  const auto d = [](std::size_t v) { return static_cast<memory::dim>(v); };
  const auto f32 = memory::data_type::f32;
  const std::size_t o = size + 2 * pad - kernel + 1;
  const memory::desc x({d(batch), d(in), d(size), d(size)}, f32, tag::any);
  const memory::desc w({d(out), d(in), d(kernel), d(kernel)}, f32, tag::any);
  const memory::desc b({d(out)}, f32, tag::any);
  const memory::desc y({d(batch), d(out), d(o), d(o)}, f32, tag::any);
  const memory::dims strides{1, 1}, padding{d(pad), d(pad)};
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const auto algo = dnnl::algorithm::convolution_direct;
  const dnnl::convolution_forward::primitive_desc fpd(
      {dnnl::prop_kind::forward_training, algo, x, w, b, y, strides, padding, padding}, attr,
      l->engine);
  const dnnl::convolution_backward_weights::primitive_desc wpd(
      {algo, x, w, b, y, strides, padding, padding}, attr, l->engine, fpd);
  const dnnl::convolution_backward_data::primitive_desc dpd(
      {algo, x, w, y, strides, padding, padding}, attr, l->engine, fpd);
  const auto mem = [&](const memory::desc& desc) { return filled(desc, l->engine); };
  l->x_desc = fpd.src_desc();
  l->weights_read_x = wpd.src_desc() == fpd.src_desc();
  // g: one memory for both gradients when they read one layout, as slope's
  const memory g = mem(wpd.diff_dst_desc());
  l->forward_kernel = dnnl::convolution_forward(fpd);
  l->forward_args = {{DNNL_ARG_WEIGHTS, mem(fpd.weights_desc())},
                     {DNNL_ARG_BIAS, mem(fpd.bias_desc())},
                     {DNNL_ARG_DST, mem(fpd.dst_desc())},
                     {DNNL_ARG_SCRATCHPAD, mem(fpd.scratchpad_desc())}};
  l->weights = dnnl::convolution_backward_weights(wpd);
  l->weights_args = {{DNNL_ARG_DIFF_DST, g},
                     {DNNL_ARG_DIFF_WEIGHTS, mem(wpd.diff_weights_desc())},
                     {DNNL_ARG_DIFF_BIAS, mem(wpd.diff_bias_desc())},
                     {DNNL_ARG_SCRATCHPAD, mem(wpd.scratchpad_desc())}};
  if (!l->weights_read_x) l->weights_args[DNNL_ARG_SRC] = mem(wpd.src_desc());
  if (input_grad) {
    l->data = dnnl::convolution_backward_data(dpd);
    l->data_args = {
        {DNNL_ARG_DIFF_DST, dpd.diff_dst_desc() == g.get_desc() ? g : mem(dpd.diff_dst_desc())},
        {DNNL_ARG_WEIGHTS, mem(dpd.weights_desc())},
        {DNNL_ARG_DIFF_SRC, mem(dpd.diff_src_desc())},
        {DNNL_ARG_SCRATCHPAD, mem(dpd.scratchpad_desc())}};
  }
  return l;
}

// The layer's kernels as ops/conv2d_dnnl.cpp issues them: the batch in chunks of images (its
// rule, slope::detail::dnnl_conv2d_chunks), each chunk's kernels on one thread, made for one
// thread, over that thread's memories and the chunk's x (made at the first step), or the whole
// batch on OpenMP's threads when it is one chunk.
LayerKernels conv_kernels(std::size_t batch, std::size_t in, std::size_t out, std::size_t size,
                          std::size_t kernel, std::size_t pad, bool input_grad) {
  struct State {
    std::vector<std::map<std::size_t, std::unique_ptr<Layer>>> layers;  // by thread, by images
    std::vector<memory> x;                                              // by chunk
  };
  auto st = std::make_shared<State>();
  // Runs f(layer, x) for each chunk, on the chunk's thread.
  const auto each_chunk = [=](auto&& f) {
    const int threads = omp_get_max_threads();
    const std::size_t o = size + 2 * pad - kernel + 1;
    const slope::detail::ConvChunks chunks =
        slope::detail::dnnl_conv2d_chunks(batch, out * o * o * 4, threads);
    st->layers.resize(static_cast<std::size_t>(std::max(threads, 1)));
    st->x.resize(std::max(st->x.size(), chunks.count));
    const auto run = [&](std::size_t thread, std::size_t k) {
      const std::size_t n = chunks.size(k);
      std::unique_ptr<Layer>& l = st->layers[thread][n];
      if (!l) l = make_layer(n, in, out, size, kernel, pad, input_grad);
      memory& x = st->x[k];
      if (!x || x.get_desc() != l->x_desc) x = filled(l->x_desc, l->engine);
      f(*l, x);
    };
    if (chunks.count == 1) return run(0, 0);
    const auto count = static_cast<std::ptrdiff_t>(chunks.count);
#pragma omp parallel num_threads(threads)
    {
      omp_set_num_threads(1);
      const auto thread = static_cast<std::size_t>(omp_get_thread_num());
#pragma omp for schedule(static)
      for (std::ptrdiff_t k = 0; k < count; ++k) run(thread, static_cast<std::size_t>(k));
    }
  };
  return {[each_chunk] { each_chunk([](Layer& l, const memory& x) { l.forward(x); }); },
          [each_chunk] { each_chunk([](Layer& l, const memory& x) { l.backward(x); }); }};
}
#else
// A conv2d layer's products, as ops/conv2d.cpp issues them, one per image: the forward; dW and
// (for a hidden layer) dcol.
LayerKernels conv_kernels(std::size_t batch, std::size_t in, std::size_t out, std::size_t size,
                          std::size_t kernel, std::size_t pad, bool input_grad) {
  const std::size_t o = size + 2 * pad - kernel + 1;
  const std::size_t k = in * kernel * kernel, hw = o * o;
  Kernel forward = product_kernel({false, false, out, hw, k, batch});  // [O, K] x [K, HO WO]
  std::vector<Kernel> ks{
      product_kernel({false, true, out, k, hw, batch})};  // [O, HO WO] x [HO WO, K]
  if (input_grad)
    ks.push_back(product_kernel({true, false, k, hw, out, batch}));  // [K, O] x [O, HO WO]
  return {forward, [ks] {
            for (const Kernel& f : ks) f();
          }};
}
#endif

// A linear layer's products: the forward; dW and dx.
LayerKernels linear_kernels(std::size_t batch, std::size_t in, std::size_t out) {
  Kernel forward = product_kernel({false, false, batch, out, in, 1});  // [N, D] x [D, C]
  Kernel dw = product_kernel({true, false, in, out, batch, 1});        // [D, N] x [N, C]
  Kernel dx = product_kernel({false, true, batch, in, out, 1});        // [N, C] x [C, D]
  return {forward, [dw, dx] {
            dw();
            dx();
          }};
}
}  // namespace

std::string floor_conv_kernels() {
#if BENCH_HAVE_DNNL
  return "oneDNN's convolutions in slope's chunks, BLAS products";
#else
  return "im2col's BLAS products";
#endif
}

void floor_conv_set_threads(int n) {
  floor_set_threads(n);
#if BENCH_HAVE_DNNL
  omp_set_num_threads(n);  // as slope's conv2d, whose oneDNN threads follow BLAS's
#endif
}

Runner floor_conv_layer(const ConvLayerWork& w) {
  const LayerKernels k =
      conv_kernels(w.batch, w.in, w.out, w.size, w.kernel, w.padding, w.input_grad);
  return floor_of({k.forward, k.backward});
}

Runner floor_cnn_step(const CnnWork& w) {
  const LayerKernels c1 = conv_kernels(w.batch, 1, 32, 28, 3, 1, false);
  const LayerKernels c2 = conv_kernels(w.batch, 32, 64, 14, 3, 1, true);
  const LayerKernels f1 = linear_kernels(w.batch, 3136, 128);
  const LayerKernels f2 = linear_kernels(w.batch, 128, 10);
  return floor_of({c1.forward, c2.forward, f1.forward, f2.forward, f2.backward, f1.backward,
                   c2.backward, c1.backward});
}

}  // namespace bench
