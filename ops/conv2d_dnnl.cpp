// SPDX-License-Identifier: MIT
#include "conv2d_dnnl.hpp"

#include <stdexcept>

#include "gemm.hpp"
#include "op_helpers.hpp"
#include "scratch.hpp"

#if SLOPE_HAVE_DNNL
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <utility>
#include <vector>
#endif

namespace slope::detail {

namespace {
// x (+)= from[0, n).
void add_to(float* x, const float* from, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] += from[i];
}
}  // namespace

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
  kDwSum,
  kDbSum,  // a thread's sums of dw and db over its chunks
  kDwPart,
  kDbPart,  // a chunk's dw and db, added to those sums
  kRoles
};

// A buffer grown to the largest size asked for.
struct Block {
  std::unique_ptr<void, decltype(&std::free)> data{nullptr, &std::free};
  std::size_t size = 0;
  // What the block holds for a call's operand that every chunk reads (w): the call and layout.
  std::uint64_t call = 0;
  memory::desc held;
  void* get(std::size_t bytes) {
    if (size < bytes) {
      constexpr std::size_t kAlign = 64;  // a cache line, as oneDNN's own buffers
      data.reset(nullptr);
      call = 0;
      data.reset(std::aligned_alloc(kAlign, (bytes + kAlign - 1) / kAlign * kAlign));
      if (!data) throw std::bad_alloc();
      size = bytes;
    }
    return data.get();
  }
};

struct Buffers {
  std::array<Block, kRoles> blocks;
  void* get(Role role, std::size_t size) { return blocks[role].get(size); }
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
  // Points the operand at slope's data and, for an input, brings it into the kernel's layout in
  // the thread's buffer for the role. `call`: a call whose every chunk reads this same data (w):
  // only the thread's first chunk reorders it.
  const memory& in(const void* data, Buffers& buffers, dnnl::stream& s, std::uint64_t call = 0) {
    out(const_cast<void*>(data), buffers);
    if (!reorder) return inner;
    Block& b = buffers.blocks[role];
    if (call != 0 && b.call == call && b.held == inner.get_desc()) return inner;
    reorder.execute(s, user, inner);
    b.call = call;
    b.held = inner.get_desc();
    return inner;
  }
  // The same into `to` (the inner layout's size), when there is a reorder.
  const memory& in(const void* data, Block& to, dnnl::stream& s) {
    user.set_data_handle(const_cast<void*>(data));
    if (!reorder) return inner;
    inner.set_data_handle(to.get(inner.get_desc().get_size()));
    reorder.execute(s, user, inner);
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
  // Which forward call left its x in the kernel's layout here, chunk by chunk (a stamp unique
  // across threads): the weight gradient reads them again rather than reordering x a second time.
  std::uint64_t x_stamp = 0;
  std::size_t x_chunks = 0;  // into how many chunks
  struct KeptX {
    Block block;
    memory::desc desc;
    bool kept = false;
  };
  std::vector<KeptX> kept_x;  // by chunk
  std::map<std::array<std::size_t, 14>, std::unique_ptr<Plan>> plans;
};

Context& context() {
  thread_local Context c;
  return c;
}

struct Descs {
  memory::desc x, w, b, y;
  Dims strides, pad_l, pad_r;
};

// The layout tag of Blocked's block.
tag blocked_tag(std::size_t block) {
  return block == 16 ? tag::nChw16c : block == 8 ? tag::nChw8c : tag::nchw;
}

// The operands' descriptions: for the kernels to choose (`plain` false), or as slope holds them
// (x and dx in Blocked's layout `x_block`, y and g NCHW, w OIHW).
Descs descs(const Window2d& win, std::size_t o, bool bias, bool plain, std::size_t x_block = 1) {
  const auto f32 = memory::data_type::f32;
  const auto x_tag = plain ? blocked_tag(x_block) : tag::any;
  Descs d;
  d.x = memory::desc({dim(win.n), dim(win.c), dim(win.h), dim(win.w)}, f32, x_tag);
  d.w = memory::desc({dim(o), dim(win.c), dim(win.kernel.h), dim(win.kernel.w)}, f32,
                     plain ? tag::oihw : tag::any);
  if (bias) d.b = memory::desc({dim(o)}, f32, plain ? tag::x : tag::any);
  d.y = memory::desc({dim(win.n), dim(o), dim(win.oh), dim(win.ow)}, f32,
                     plain ? tag::nchw : tag::any);
  d.strides = {dim(win.stride.h), dim(win.stride.w)};
  d.pad_l = {dim(win.padding.h), dim(win.padding.w)};
  d.pad_r = {end_padding(win.h, win.oh, win.kernel.h, win.stride.h, win.padding.h),
             end_padding(win.w, win.ow, win.kernel.w, win.stride.w, win.padding.w)};
  return d;
}

// The primitives are made for the threads OpenMP would give them (a chunk's: 1), so that count is
// part of a plan's key; so is x's layout, which its operands are bound to.
Plan& plan_for(const Window2d& win, std::size_t o, bool bias, std::size_t x_block) {
  Context& c = context();
  const auto threads = static_cast<std::size_t>(omp_get_max_threads());
  const std::array<std::size_t, 14> key{
      win.n,        win.c,        win.h,         win.w,         o,    win.kernel.h, win.kernel.w,
      win.stride.h, win.stride.w, win.padding.h, win.padding.w, bias, threads,      x_block};
  std::unique_ptr<Plan>& slot = c.plans[key];
  if (slot) return *slot;
  auto p = std::make_unique<Plan>();
  const Descs any = descs(win, o, bias, false);
  const Descs plain = descs(win, o, bias, true, x_block);
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

using Chunks = ConvChunks;

Chunks chunks_of(const Window2d& win, std::size_t o, int threads) {
  return dnnl_conv2d_chunks(win.n, o * win.oh * win.ow * sizeof(float), threads);
}

// One chunk of a call: images [first, first + win.n) as a window of their own.
struct Chunk {
  Window2d win;
  std::size_t index = 0, first = 0;
};

// Runs f(chunk, thread) for each chunk: on `threads` threads, each running a chunk's kernels alone
// (primitives made for one thread), or on the calling thread when there is one chunk. NOTE: the
// threads are BLAS's setting (OPENBLAS_NUM_THREADS or openblas_set_num_threads), slope's one
// thread setting, rather than OpenMP's default of every core.
template <class F>
void for_chunks(const Window2d& win, const Chunks& ch, int threads, F&& f) {
  const auto at = [&](std::size_t k) {
    Chunk c{win, k, ch.first(k)};
    c.win.n = ch.size(k);
    return c;
  };
  if (ch.count == 1) {
    if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
    f(at(0), 0);
    return;
  }
  std::exception_ptr error;
  const auto count = static_cast<std::ptrdiff_t>(ch.count);
#pragma omp parallel num_threads(threads)
  {
    omp_set_num_threads(1);  // this thread's ICV: the primitives it makes and runs take one thread
    const int thread = omp_get_thread_num();
#pragma omp for schedule(static)
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      try {
        f(at(static_cast<std::size_t>(k)), thread);
      } catch (...) {
#pragma omp critical(slope_conv2d_chunks)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

// Runs a chunk's forward kernel into `y` (a memory in the kernel's layout) and, with
// `write_back`, the reorder to slope's NCHW buffer. x in the kernel's layout stays in the thread's
// copy for the chunk, for the backward: `stamp` names the call.
void run_forward(Plan& p, const Chunk& ch, const Chunks& chunks, const float* x, const float* w,
                 const float* b, const memory& y, bool write_back, std::uint64_t stamp) {
  Context& c = context();
  dnnl::stream& s = c.stream;
  if (c.x_stamp != stamp) {
    c.x_stamp = stamp;
    c.x_chunks = chunks.count;
    c.kept_x.resize(std::max(c.kept_x.size(), chunks.count));
    for (Context::KeptX& k : c.kept_x) k.kept = false;
  }
  Context::KeptX& kept = c.kept_x[ch.index];
  const float* xc = x + ch.first * ch.win.c * ch.win.h * ch.win.w;
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, p.x.in(xc, kept.block, s)},
      {DNNL_ARG_WEIGHTS, p.w.in(w, c.buffers, s, stamp)},
      {DNNL_ARG_DST, y},
      {DNNL_ARG_SCRATCHPAD, bind_scratch(p.forward_scratch, c.buffers)}};
  if (b) args[DNNL_ARG_BIAS] = p.b.in(b, c.buffers, s, stamp);
  p.forward.execute(s, args);
  if (write_back) p.y.write_back(s);
  s.wait();
  kept.kept = bool(p.x.reorder);  // else x was read in place: nothing kept
  kept.desc = p.x.inner.get_desc();
}

// The forward over every chunk: `run(plan, chunk, stamp)` runs one. Returns the stamp the
// backward passes back (0: x was read in place, nothing kept).
template <class Run>
std::uint64_t forward_chunks(const Window2d& win, std::size_t o, bool bias, std::size_t x_block,
                             Run&& run) {
  const int threads = blas_threads();
  const Chunks chunks = chunks_of(win, o, threads);
  const std::uint64_t stamp = next_stamp++;
  std::atomic<bool> kept{false};
  for_chunks(win, chunks, threads, [&](const Chunk& ch, int) {
    Plan& p = plan_for(ch.win, o, bias, x_block);
    run(p, ch, chunks, stamp);
    if (p.x.reorder) kept = true;
  });
  return kept ? stamp : 0;
}

// The backward's primitives for dx and for dw, each made on its first use.
void make_backward(Plan& p, const Window2d& win, std::size_t o, bool bias, std::size_t x_block,
                   bool dx, bool dw) {
  if ((!dx || p.backward_data_ready) && (!dw || p.backward_weights_ready)) return;
  Context& c = context();
  const Descs any = descs(win, o, bias, false);
  const Descs plain = descs(win, o, bias, true, x_block);
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
GradMemories grad_memories(Plan& p, const Chunk& ch, std::size_t o, const GradSource& g, bool dx,
                           bool dw) {
  Context& c = context();
  dnnl::stream& s = c.stream;
  const float* plain = g.plain ? g.plain + ch.first * o * ch.win.oh * ch.win.ow : nullptr;
  if (!plain) {
    const Operand& first = dx ? p.bd_g : p.bw_g;
    const memory::desc& want = first.inner.get_desc();
    const bool one_layout = !(dx && dw) || want == p.bw_g.inner.get_desc();
    const std::size_t block = one_layout ? block_of(want, ch.win, o) : 0;
    if (block != 0) {
      memory m = first.inner;
      auto* data = static_cast<float*>(c.buffers.get(dx ? kG : kWeightsG, want.get_size()));
      m.set_data_handle(data);
      g.write(Blocked{data, block}, ch.first, ch.win.n);
      return {dx ? m : memory(), dw ? m : memory()};
    }
    auto* data = static_cast<float*>(c.buffers.get(kPlainG, p.y.user.get_desc().get_size()));
    g.write(Blocked{data, 1}, ch.first, ch.win.n);
    plain = data;
  }
  GradMemories m;
  if (dx) m.data = p.bd_g.in(plain, c.buffers, s);
  if (dw)
    m.weights = dx && m.data.get_desc() == p.bw_g.inner.get_desc() ? m.data
                                                                   : p.bw_g.in(plain, c.buffers, s);
  return m;
}

// Where a thread's chunks put dw and db: its first chunk writes the thread's sums (thread 0's are
// the caller's buffers), the next ones a part that is added to them.
struct Sums {
  float *dw = nullptr, *db = nullptr;
  bool started = false;
};
}  // namespace

// NOTE: the batch goes through the kernels a chunk of images at a time, each chunk on one thread
// from its kernel through the caller's pass over the result, so that the result (at most
// kChunkBytes) is still in that core's L2 cache when the pass reads it. Over the whole batch the
// example's first activations (6.4 MB) went out to L3 and back, and the passes took twice as long;
// split between oneDNN's threads, every kernel ended at a barrier.
constexpr std::size_t kChunkBytes = std::size_t(1) << 20;

ConvChunks dnnl_conv2d_chunks(std::size_t n, std::size_t image_bytes, int threads) {
  const std::size_t most =
      std::max<std::size_t>(1, kChunkBytes / std::max<std::size_t>(1, image_bytes));
  const auto t = static_cast<std::size_t>(std::max(1, threads));
  const std::size_t count = std::min(n, ((n + most - 1) / most + t - 1) / t * t);
  return {n, std::max<std::size_t>(1, count)};
}

bool dnnl_conv2d_takes(const Window2d& win, std::size_t o) {
  return win.n > 0 && win.c > 0 && o > 0 && win.oh > 0 && win.ow > 0 &&
         end_padding(win.h, win.oh, win.kernel.h, win.stride.h, win.padding.h) >= 0 &&
         end_padding(win.w, win.ow, win.kernel.w, win.stride.w, win.padding.w) >= 0;
}

std::uint64_t dnnl_conv2d_forward(const Window2d& win, std::size_t o, const float* x,
                                  const float* w, const float* b, float* y) {
  return forward_chunks(win, o, b != nullptr, 1,
                        [&](Plan& p, const Chunk& ch, const Chunks& chunks, std::uint64_t stamp) {
                          float* yc = y + ch.first * o * win.oh * win.ow;
                          run_forward(p, ch, chunks, x, w, b, p.y.out(yc, context().buffers), true,
                                      stamp);
                        });
}

std::uint64_t dnnl_conv2d_forward_to(const Window2d& win, std::size_t o, const float* x,
                                     std::size_t x_block, const float* w, const float* b,
                                     const Consumer& consume) {
  return forward_chunks(
      win, o, b != nullptr, x_block,
      [&](Plan& p, const Chunk& ch, const Chunks& chunks, std::uint64_t stamp) {
        Buffers& buffers = context().buffers;
        const memory::desc& d = p.y.inner.get_desc();
        const std::size_t block = block_of(d, ch.win, o);
        if (block == 0) {  // a layout Blocked does not describe: NCHW through the reorder
          auto* y = static_cast<float*>(buffers.get(kPlainY, p.y.user.get_desc().get_size()));
          run_forward(p, ch, chunks, x, w, b, p.y.out(y, buffers), true, stamp);
          consume(Blocked{y, 1}, ch.first, ch.win.n);
          return;
        }
        memory y = p.y.inner;
        auto* data = static_cast<float*>(buffers.get(kY, d.get_size()));
        y.set_data_handle(data);
        run_forward(p, ch, chunks, x, w, b, y, false, stamp);
        consume(Blocked{data, block}, ch.first, ch.win.n);
      });
}

void dnnl_conv2d_backward(const Window2d& win, std::size_t o, const float* x, std::size_t x_block,
                          std::uint64_t x_stamp, const float* w, const GradSource& g, float* dx,
                          float* dw, float* db) {
  const bool bias = db != nullptr;
  const int threads = blas_threads();
  const Chunks chunks = chunks_of(win, o, threads);
  const std::uint64_t call = next_stamp++;
  const std::size_t w_size = o * win.c * win.kernel.h * win.kernel.w;
  std::vector<Sums> sums(static_cast<std::size_t>(threads));
  for_chunks(win, chunks, threads, [&](const Chunk& ch, int thread) {
    Plan& p = plan_for(ch.win, o, bias, x_block);
    make_backward(p, ch.win, o, bias, x_block, dx != nullptr, dw != nullptr);
    Context& c = context();
    dnnl::stream& s = c.stream;
    const GradMemories gm = grad_memories(p, ch, o, g, dx != nullptr, dw != nullptr);
    const std::size_t x_offset = ch.first * win.c * win.h * win.w;
    if (dx) {
      p.backward_data.execute(s, {{DNNL_ARG_DIFF_DST, gm.data},
                                  {DNNL_ARG_WEIGHTS, p.bd_w.in(w, c.buffers, s, call)},
                                  {DNNL_ARG_DIFF_SRC, p.bd_dx.out(dx + x_offset, c.buffers)},
                                  {DNNL_ARG_SCRATCHPAD, bind_scratch(p.data_scratch, c.buffers)}});
      p.bd_dx.write_back(s);
    }
    Sums* sum = dw ? &sums[static_cast<std::size_t>(thread)] : nullptr;
    float *dw_to = nullptr, *db_to = nullptr;
    if (sum) {
      Buffers& buf = c.buffers;
      if (!sum->started) {
        sum->dw = thread == 0 ? dw : static_cast<float*>(buf.get(kDwSum, w_size * sizeof(float)));
        sum->db = !bias         ? nullptr
                  : thread == 0 ? db
                                : static_cast<float*>(buf.get(kDbSum, o * sizeof(float)));
      }
      dw_to =
          sum->started ? static_cast<float*>(buf.get(kDwPart, w_size * sizeof(float))) : sum->dw;
      db_to = !bias          ? nullptr
              : sum->started ? static_cast<float*>(buf.get(kDbPart, o * sizeof(float)))
                             : sum->db;
      // the chunk's x as the forward kept it (the same chunks: the same window and threads)
      memory src = p.x.inner;
      const bool x_kept = x_stamp != 0 && c.x_stamp == x_stamp && c.x_chunks == chunks.count &&
                          c.kept_x[ch.index].kept &&
                          c.kept_x[ch.index].desc == p.bw_x.inner.get_desc();
      if (x_kept) src.set_data_handle(c.kept_x[ch.index].block.data.get());
      std::unordered_map<int, memory> args{
          {DNNL_ARG_SRC, x_kept ? src : p.bw_x.in(x + x_offset, buf, s)},
          {DNNL_ARG_DIFF_DST, gm.weights},
          {DNNL_ARG_DIFF_WEIGHTS, p.bw_dw.out(dw_to, buf)},
          {DNNL_ARG_SCRATCHPAD, bind_scratch(p.weights_scratch, buf)}};
      if (bias) args[DNNL_ARG_DIFF_BIAS] = p.bw_db.out(db_to, buf);
      p.backward_weights.execute(s, args);
      p.bw_dw.write_back(s);
      if (bias) p.bw_db.write_back(s);
    }
    s.wait();
    if (sum && sum->started) {
      add_to(sum->dw, dw_to, w_size);
      if (bias) add_to(sum->db, db_to, o);
    }
    if (sum) sum->started = true;
  });
  // the threads' sums, in thread order
  for (std::size_t t = 1; t < sums.size(); ++t) {
    if (!sums[t].started) continue;
    add_to(dw, sums[t].dw, w_size);
    if (bias) add_to(db, sums[t].db, o);
  }
}

#else  // built without oneDNN: conv2d never asks

bool dnnl_conv2d_takes(const Window2d&, std::size_t) { return false; }
std::uint64_t dnnl_conv2d_forward(const Window2d&, std::size_t, const float*, const float*,
                                  const float*, float*) {
  throw std::logic_error("conv2d: slope was built without oneDNN");
}
std::uint64_t dnnl_conv2d_forward_to(const Window2d&, std::size_t, const float*, std::size_t,
                                     const float*, const float*, const Consumer&) {
  throw std::logic_error("conv2d: slope was built without oneDNN");
}
void dnnl_conv2d_backward(const Window2d&, std::size_t, const float*, std::size_t, std::uint64_t,
                          const float*, const GradSource&, float*, float*, float*) {
  throw std::logic_error("conv2d: slope was built without oneDNN");
}
#endif

// NOTE: oneDNN writes its results, so a gradient that holds a sum already gets them through
// scratch.
void dnnl_conv2d_gradients(const Window2d& win, std::size_t o, const float* x, std::size_t x_block,
                           std::uint64_t x_stamp, const GradSource& g, float* dx, const Variable& w,
                           const Variable* b) {
  const bool need_w = w.requires_grad(), need_b = b && b->requires_grad();
  bool dw_fresh = false;
  float* dw = need_w ? w.grad_slot(&dw_fresh).data<float>() : nullptr;
  float* dw_to = need_b && !need_w ? scratch<float, 3>(w.size()) : dw;
  if (need_w && !dw_fresh) dw_to = scratch<float, 3>(w.size());
  float* db = need_b ? scratch<float, 4>(o) : nullptr;
  if (!dx && !dw_to) return;
  dnnl_conv2d_backward(win, o, x, x_block, x_stamp, w.value().data<float>(), g, dx, dw_to, db);
  if (need_w && !dw_fresh) add_to(dw, dw_to, w.size());
  if (need_b) write_or_add_grad<float>(*b, [db](std::size_t i) { return db[i]; });
}

void dnnl_conv2d_gradients(const Window2d& win, std::size_t o, std::uint64_t x_stamp,
                           const GradSource& g, const Variable& x, const Variable& w,
                           const Variable* b) {
  const bool need_x = x.requires_grad();
  bool dx_fresh = false;
  float* dx = need_x ? x.grad_slot(&dx_fresh).data<float>() : nullptr;
  float* dx_to = need_x && !dx_fresh ? scratch<float, 2>(x.size()) : dx;
  dnnl_conv2d_gradients(win, o, x.value().data<float>(), 1, x_stamp, g, dx_to, w, b);
  if (need_x && !dx_fresh) add_to(dx, dx_to, x.size());
}

}  // namespace slope::detail
