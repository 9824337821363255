// SPDX-License-Identifier: MIT
#include "conv2d_dnnl.hpp"

#include <stdexcept>

#include "gemm.hpp"
#include "op_helpers.hpp"
#include "scratch.hpp"

#if SLOPE_HAVE_DNNL
#include <array>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <utility>
#endif

namespace slope::detail {

#if SLOPE_HAVE_DNNL
namespace {
// The end padding that makes the last window end at the padded input's last element (negative
// when the strides leave rows or columns of x unread).
long long end_padding(std::size_t in, std::size_t out, std::size_t kernel, std::size_t stride,
                      std::size_t pad) {
  return static_cast<long long>((out - 1) * stride + kernel) - static_cast<long long>(in + pad);
}

using dnnl::memory;
using tag = memory::format_tag;
using Dims = memory::dims;

memory::dim dim(std::size_t v) { return static_cast<memory::dim>(v); }

// The blocked-layout buffers of a thread, one per role an operand plays (the forward's x, its
// y, g, ...), each grown to the largest shape met and shared by every shape: kept plans hold no
// buffers of their own, so a run's footprint is its largest layer's, not the sum over its shapes.
enum Role {
  kX,
  kW,
  kB,
  kY,
  kG,
  kDataW,
  kDx,
  kWeightsX,
  kWeightsG,
  kDw,
  kDb,
  kScratch,
  kPlainY,
  kPlainG,  // y and g in NCHW for the callers that take another layout but not this one
  kRoles
};

struct Buffers {
  struct Block {
    std::unique_ptr<void, decltype(&std::free)> data{nullptr, &std::free};
    std::size_t size = 0;
  };
  std::array<Block, kRoles> blocks;
  void* get(Role role, std::size_t size) {
    Block& b = blocks[role];
    if (b.size < size) {
      constexpr std::size_t kAlign = 64;  // a cache line, as oneDNN's own buffers
      b.data.reset(nullptr);
      b.data.reset(std::aligned_alloc(kAlign, (size + kAlign - 1) / kAlign * kAlign));
      if (!b.data) throw std::bad_alloc();
      b.size = size;
    }
    return b.data.get();
  }
};

// One operand of a primitive: the memory slope's pointer is bound to (plain NCHW, OIHW or a
// vector) and, when the kernel wants another layout, the reorder between the two (built once, as
// the primitives are) and a memory in that layout over the thread's buffer for `role`.
struct Operand {
  memory user, inner;  // the same memory when the layouts agree
  dnnl::reorder reorder;
  Role role = kX;

  Operand() = default;
  // `to_inner`: slope's data is read by the kernel (else the kernel's result is written back).
  Operand(const memory::desc& plain, const memory::desc& wanted, const dnnl::engine& engine,
          bool to_inner, Role r)
      : user(plain, engine, DNNL_MEMORY_NONE), role(r) {
    if (plain == wanted) {
      inner = user;
      return;
    }
    inner = memory(wanted, engine, DNNL_MEMORY_NONE);
    reorder = to_inner ? dnnl::reorder(user, inner) : dnnl::reorder(inner, user);
  }
  // Points the operand at slope's data and, for an input, brings it into the kernel's layout.
  const memory& in(const void* data, Buffers& buffers, dnnl::stream& s) {
    out(const_cast<void*>(data), buffers);
    if (reorder) reorder.execute(s, user, inner);
    return inner;
  }
  // Points the operand at slope's buffer for an output; write_back() moves the result there.
  const memory& out(void* data, Buffers& buffers) {
    user.set_data_handle(data);
    if (reorder) inner.set_data_handle(buffers.get(role, inner.get_desc().get_size()));
    return inner;
  }
  void write_back(dnnl::stream& s) {
    if (reorder) reorder.execute(s, inner, user);
  }
};

// Everything one window shape needs, made on first use and kept (per thread): the primitives and
// the operands.
struct Plan {
  dnnl::convolution_forward::primitive_desc forward_pd;
  dnnl::convolution_forward forward;
  // The kernels' scratchpads (over the thread's kScratch buffer), one per primitive.
  memory forward_scratch, data_scratch, weights_scratch;
  Operand x, w, b, y;
  bool backward_data_ready = false, backward_weights_ready = false;
  dnnl::convolution_backward_data backward_data;
  Operand bd_g, bd_w, bd_dx;
  dnnl::convolution_backward_weights backward_weights;
  Operand bw_x, bw_g, bw_dw, bw_db;
};

std::atomic<std::uint64_t> next_stamp{1};

// NOTE: the scratchpads are slope's (a user scratchpad, as libtorch passes): oneDNN's own are
// allocated and freed at every call, which raised glibc's mmap threshold and left the training
// run's heap growing for epochs.
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// A memory over the thread's scratchpad buffer for a primitive whose scratchpad is `pd`'s.
memory scratch_memory(const dnnl::primitive_desc_base& pd, const dnnl::engine& engine) {
  return memory(pd.scratchpad_desc(), engine, DNNL_MEMORY_NONE);
}
const memory& bind_scratch(const memory& m, Buffers& buffers) {
  m.set_data_handle(buffers.get(kScratch, m.get_desc().get_size()));
  return m;
}

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  Buffers buffers;
  // Which forward call left its x in the kX buffer, in the kernel's layout (a stamp unique across
  // threads): the weight gradient reads it again rather than reordering x a second time.
  std::uint64_t x_stamp = 0;
  std::map<std::array<std::size_t, 12>, std::unique_ptr<Plan>> plans;
};

Context& context() {
  thread_local Context c;
  return c;
}

struct Descs {
  memory::desc x, w, b, y;
  Dims strides, pad_l, pad_r;
};

Descs descs(const Window2d& win, std::size_t o, bool bias, tag x_tag, tag w_tag, tag b_tag) {
  const auto f32 = memory::data_type::f32;
  Descs d;
  d.x = memory::desc({dim(win.n), dim(win.c), dim(win.h), dim(win.w)}, f32, x_tag);
  d.w = memory::desc({dim(o), dim(win.c), dim(win.kernel.h), dim(win.kernel.w)}, f32, w_tag);
  if (bias) d.b = memory::desc({dim(o)}, f32, b_tag);
  d.y = memory::desc({dim(win.n), dim(o), dim(win.oh), dim(win.ow)}, f32, x_tag);
  d.strides = {dim(win.stride.h), dim(win.stride.w)};
  d.pad_l = {dim(win.padding.h), dim(win.padding.w)};
  d.pad_r = {end_padding(win.h, win.oh, win.kernel.h, win.stride.h, win.padding.h),
             end_padding(win.w, win.ow, win.kernel.w, win.stride.w, win.padding.w)};
  return d;
}

// NOTE: slope has one thread setting, BLAS's (OPENBLAS_NUM_THREADS or openblas_set_num_threads);
// oneDNN's OpenMP threads follow it, rather than OpenMP's default of every core.
void follow_blas_threads() {
  const int threads = blas_threads();
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
}

Plan& plan_for(const Window2d& win, std::size_t o, bool bias) {
  Context& c = context();
  const std::array<std::size_t, 12> key{
      win.n,        win.c,        win.h,         win.w,         o,   win.kernel.h, win.kernel.w,
      win.stride.h, win.stride.w, win.padding.h, win.padding.w, bias};
  std::unique_ptr<Plan>& slot = c.plans[key];
  if (slot) return *slot;
  auto p = std::make_unique<Plan>();
  const Descs any = descs(win, o, bias, tag::any, tag::any, tag::any);
  const Descs plain = descs(win, o, bias, tag::nchw, tag::oihw, tag::x);
  // NOTE: direct, never Winograd (which oneDNN's "auto" may pick): its transforms round
  // differently from the sums conv2d is documented to compute.
  p->forward_pd = dnnl::convolution_forward::primitive_desc(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                      dnnl::algorithm::convolution_direct, any.x, any.w, any.b,
                                      any.y, any.strides, any.pad_l, any.pad_r),
      user_scratchpad(), c.engine);
  p->forward = dnnl::convolution_forward(p->forward_pd);
  p->forward_scratch = scratch_memory(p->forward_pd, c.engine);
  p->x = Operand(plain.x, p->forward_pd.src_desc(), c.engine, true, kX);
  p->w = Operand(plain.w, p->forward_pd.weights_desc(), c.engine, true, kW);
  if (bias) p->b = Operand(plain.b, p->forward_pd.bias_desc(), c.engine, true, kB);
  p->y = Operand(plain.y, p->forward_pd.dst_desc(), c.engine, false, kY);
  slot = std::move(p);
  return *slot;
}

// The block of y's (or g's) layout `d` when it is nChw16c, nChw8c or NCHW with C a multiple of
// the block (Blocked's layouts); 0 for any other.
std::size_t block_of(const memory::desc& d, const Window2d& win, std::size_t o) {
  const Dims dims{dim(win.n), dim(o), dim(win.oh), dim(win.ow)};
  const std::pair<tag, std::size_t> layouts[] = {
      {tag::nChw16c, 16}, {tag::nChw8c, 8}, {tag::nchw, 1}};
  for (const auto& [t, block] : layouts)
    if (o % block == 0 && d == memory::desc(dims, memory::data_type::f32, t)) return block;
  return 0;
}

// Runs the forward kernel into `y` (a memory in the kernel's layout) and, with `write_back`, the
// reorder to slope's NCHW buffer; returns the stamp of the x it kept.
std::uint64_t run_forward(Plan& p, const float* x, const float* w, const float* b, const memory& y,
                          bool write_back) {
  Context& c = context();
  dnnl::stream& s = c.stream;
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, p.x.in(x, c.buffers, s)},
      {DNNL_ARG_WEIGHTS, p.w.in(w, c.buffers, s)},
      {DNNL_ARG_DST, y},
      {DNNL_ARG_SCRATCHPAD, bind_scratch(p.forward_scratch, c.buffers)}};
  if (b) args[DNNL_ARG_BIAS] = p.b.in(b, c.buffers, s);
  p.forward.execute(s, args);
  if (write_back) p.y.write_back(s);
  s.wait();
  if (!p.x.reorder) return 0;  // x was read in place: nothing kept
  c.x_stamp = next_stamp++;
  return c.x_stamp;
}

// The backward's primitives for dx and for dw, each made on its first use.
void make_backward(Plan& p, const Window2d& win, std::size_t o, bool bias, bool dx, bool dw) {
  if ((!dx || p.backward_data_ready) && (!dw || p.backward_weights_ready)) return;
  Context& c = context();
  const Descs any = descs(win, o, bias, tag::any, tag::any, tag::any);
  const Descs plain = descs(win, o, bias, tag::nchw, tag::oihw, tag::x);
  if (dx && !p.backward_data_ready) {
    dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, any.x, any.w,
                                              any.y, any.strides, any.pad_l, any.pad_r),
        user_scratchpad(), c.engine, p.forward_pd);
    p.backward_data = dnnl::convolution_backward_data(pd);
    p.data_scratch = scratch_memory(pd, c.engine);
    p.bd_g = Operand(plain.y, pd.diff_dst_desc(), c.engine, true, kG);
    p.bd_w = Operand(plain.w, pd.weights_desc(), c.engine, true, kDataW);
    p.bd_dx = Operand(plain.x, pd.diff_src_desc(), c.engine, false, kDx);
    p.backward_data_ready = true;
  }
  if (dw && !p.backward_weights_ready) {
    dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, any.x, any.w,
                                                 any.b, any.y, any.strides, any.pad_l, any.pad_r),
        user_scratchpad(), c.engine, p.forward_pd);
    p.backward_weights = dnnl::convolution_backward_weights(pd);
    p.weights_scratch = scratch_memory(pd, c.engine);
    p.bw_x = Operand(plain.x, pd.src_desc(), c.engine, true, kWeightsX);
    p.bw_g = Operand(plain.y, pd.diff_dst_desc(), c.engine, true, kWeightsG);
    p.bw_dw = Operand(plain.w, pd.diff_weights_desc(), c.engine, false, kDw);
    if (bias) p.bw_db = Operand(plain.b, pd.diff_bias_desc(), c.engine, false, kDb);
    p.backward_weights_ready = true;
  }
}

// g for the kernels that run: in their layout (one memory for both when they agree).
struct GradMemories {
  memory data, weights;
};

// g.write fills the kernels' buffer directly when every kernel that runs reads one layout of
// Blocked's; otherwise it writes NCHW, reordered as slope's own g is.
GradMemories grad_memories(Plan& p, const Window2d& win, std::size_t o, const GradSource& g,
                           bool dx, bool dw) {
  Context& c = context();
  dnnl::stream& s = c.stream;
  const float* plain = g.plain;
  if (!plain) {
    const Operand& first = dx ? p.bd_g : p.bw_g;
    const memory::desc& want = first.inner.get_desc();
    const bool one_layout = !(dx && dw) || want == p.bw_g.inner.get_desc();
    const std::size_t block = one_layout ? block_of(want, win, o) : 0;
    if (block != 0) {
      memory m = first.inner;
      auto* data = static_cast<float*>(c.buffers.get(dx ? kG : kWeightsG, want.get_size()));
      m.set_data_handle(data);
      g.write(Blocked{data, block});
      return {dx ? m : memory(), dw ? m : memory()};
    }
    auto* data = static_cast<float*>(c.buffers.get(kPlainG, p.y.user.get_desc().get_size()));
    g.write(Blocked{data, 1});
    plain = data;
  }
  GradMemories m;
  if (dx) m.data = p.bd_g.in(plain, c.buffers, s);
  if (dw)
    m.weights = dx && m.data.get_desc() == p.bw_g.inner.get_desc() ? m.data
                                                                   : p.bw_g.in(plain, c.buffers, s);
  return m;
}
}  // namespace

bool dnnl_conv2d_takes(const Window2d& win, std::size_t o) {
  return win.n > 0 && win.c > 0 && o > 0 && win.oh > 0 && win.ow > 0 &&
         end_padding(win.h, win.oh, win.kernel.h, win.stride.h, win.padding.h) >= 0 &&
         end_padding(win.w, win.ow, win.kernel.w, win.stride.w, win.padding.w) >= 0;
}

std::uint64_t dnnl_conv2d_forward(const Window2d& win, std::size_t o, const float* x,
                                  const float* w, const float* b, float* y) {
  follow_blas_threads();
  Plan& p = plan_for(win, o, b != nullptr);
  return run_forward(p, x, w, b, p.y.out(y, context().buffers), true);
}

std::uint64_t dnnl_conv2d_forward_to(const Window2d& win, std::size_t o, const float* x,
                                     const float* w, const float* b,
                                     const std::function<void(Blocked y)>& consume) {
  follow_blas_threads();
  Plan& p = plan_for(win, o, b != nullptr);
  Buffers& buffers = context().buffers;
  const memory::desc& d = p.y.inner.get_desc();
  const std::size_t block = block_of(d, win, o);
  if (block == 0) {  // a layout Blocked does not describe: NCHW through the reorder
    auto* y = static_cast<float*>(buffers.get(kPlainY, p.y.user.get_desc().get_size()));
    const std::uint64_t stamp = run_forward(p, x, w, b, p.y.out(y, buffers), true);
    consume(Blocked{y, 1});
    return stamp;
  }
  memory y = p.y.inner;
  auto* data = static_cast<float*>(buffers.get(kY, d.get_size()));
  y.set_data_handle(data);
  const std::uint64_t stamp = run_forward(p, x, w, b, y, false);
  consume(Blocked{data, block});
  return stamp;
}

void dnnl_conv2d_backward(const Window2d& win, std::size_t o, const float* x, std::uint64_t x_stamp,
                          const float* w, const GradSource& g, float* dx, float* dw, float* db) {
  follow_blas_threads();
  const bool bias = db != nullptr;
  Plan& p = plan_for(win, o, bias);
  make_backward(p, win, o, bias, dx != nullptr, dw != nullptr);
  Context& c = context();
  dnnl::stream& s = c.stream;
  const GradMemories gm = grad_memories(p, win, o, g, dx != nullptr, dw != nullptr);
  if (dx) {
    p.backward_data.execute(s, {{DNNL_ARG_DIFF_DST, gm.data},
                                {DNNL_ARG_WEIGHTS, p.bd_w.in(w, c.buffers, s)},
                                {DNNL_ARG_DIFF_SRC, p.bd_dx.out(dx, c.buffers)},
                                {DNNL_ARG_SCRATCHPAD, bind_scratch(p.data_scratch, c.buffers)}});
    p.bd_dx.write_back(s);
  }
  if (dw) {
    const bool x_kept =
        x_stamp != 0 && c.x_stamp == x_stamp && p.x.inner.get_desc() == p.bw_x.inner.get_desc();
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, x_kept ? p.x.inner : p.bw_x.in(x, c.buffers, s)},
        {DNNL_ARG_DIFF_DST, gm.weights},
        {DNNL_ARG_DIFF_WEIGHTS, p.bw_dw.out(dw, c.buffers)},
        {DNNL_ARG_SCRATCHPAD, bind_scratch(p.weights_scratch, c.buffers)}};
    if (bias) args[DNNL_ARG_DIFF_BIAS] = p.bw_db.out(db, c.buffers);
    p.backward_weights.execute(s, args);
    p.bw_dw.write_back(s);
    if (bias) p.bw_db.write_back(s);
  }
  s.wait();
}

#else  // built without oneDNN: conv2d never asks

bool dnnl_conv2d_takes(const Window2d&, std::size_t) { return false; }
std::uint64_t dnnl_conv2d_forward(const Window2d&, std::size_t, const float*, const float*,
                                  const float*, float*) {
  throw std::logic_error("conv2d: slope was built without oneDNN");
}
std::uint64_t dnnl_conv2d_forward_to(const Window2d&, std::size_t, const float*, const float*,
                                     const float*, const std::function<void(Blocked)>&) {
  throw std::logic_error("conv2d: slope was built without oneDNN");
}
void dnnl_conv2d_backward(const Window2d&, std::size_t, const float*, std::uint64_t, const float*,
                          const GradSource&, float*, float*, float*) {
  throw std::logic_error("conv2d: slope was built without oneDNN");
}
#endif

namespace {
// x (+)= from[0, n).
void add_to(float* x, const float* from, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] += from[i];
}
}  // namespace

// NOTE: oneDNN writes its results, so a gradient that holds a sum already gets them through
// scratch.
void dnnl_conv2d_gradients(const Window2d& win, std::size_t o, std::uint64_t x_stamp,
                           const GradSource& g, Inputs& in, bool has_bias) {
  const bool need_x = in[0].requires_grad(), need_w = in[1].requires_grad();
  const bool need_b = has_bias && in[2].requires_grad();
  bool dx_fresh = false, dw_fresh = false;
  float* dx = need_x ? in[0].grad_slot(&dx_fresh).data<float>() : nullptr;
  float* dw = need_w ? in[1].grad_slot(&dw_fresh).data<float>() : nullptr;
  float* dx_to = need_x && !dx_fresh ? scratch<float, 2>(in[0].size()) : dx;
  float* dw_to = need_b && !need_w ? scratch<float, 3>(in[1].size()) : dw;
  if (need_w && !dw_fresh) dw_to = scratch<float, 3>(in[1].size());
  float* db = need_b ? scratch<float, 4>(o) : nullptr;
  dnnl_conv2d_backward(win, o, in[0].value().data<float>(), x_stamp, in[1].value().data<float>(), g,
                       dx_to, dw_to, db);
  if (need_x && !dx_fresh) add_to(dx, dx_to, in[0].size());
  if (need_w && !dw_fresh) add_to(dw, dw_to, in[1].size());
  if (need_b) write_or_add_grad<float>(in[2], [db](std::size_t i) { return db[i]; });
}

}  // namespace slope::detail
