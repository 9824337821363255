// SPDX-License-Identifier: MIT
// Anomaly mode's checks and the call site of an op: the first return address on the stack outside
// the slope library, found by unwinding at the op's forward and resolved to a file and line with
// addr2line only when an error is reported.
#include "anomaly.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <memory>
#include <type_traits>
#include <unwind.h>

#include <fmt/format.h>

namespace slope {

std::string NonFiniteCount::str() const {
  if (nan > 0 && inf > 0) return fmt::format("{} NaN and {} inf", nan, inf);
  if (nan > 0) return fmt::format("{} NaN", nan);
  return fmt::format("{} inf", inf);
}

namespace {
// Non-finite means all exponent bits set; OR-ing one compare per element vectorises (a float sum
// would not, without reassociation).
template <class T, class U, U kMask>
bool finite_span(const T* p, std::size_t n) {
  static_assert(sizeof(T) == sizeof(U));
  U bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    U bits;
    std::memcpy(&bits, p + i, sizeof bits);
    bad |= static_cast<U>((bits & kMask) == kMask);
  }
  return bad == 0;
}
}  // namespace

bool all_finite(const Tensor& t) {
  if (t.empty()) return true;
  return t.visit([](const auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;
    if constexpr (std::is_same_v<T, float>)
      return finite_span<float, std::uint32_t, 0x7f800000u>(a.data(), a.size());
    else
      return finite_span<double, std::uint64_t, 0x7ff0000000000000ull>(a.data(), a.size());
  });
}

NonFiniteCount count_non_finite(const Tensor& t) {
  NonFiniteCount c;
  if (all_finite(t)) return c;
  t.visit([&c](const auto& a) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::isnan(a.data()[i])) ++c.nan;
      if (std::isinf(a.data()[i])) ++c.inf;
    }
  });
  return c;
}

namespace detail {

namespace {
// The address range of the object (libslope.so, or the program when slope is linked statically)
// that holds this code.
struct Range {
  std::uintptr_t lo = 0, hi = 0;
};

int find_range(dl_phdr_info* info, std::size_t /*size*/, void* data) {
  auto* r = static_cast<Range*>(data);
  const auto self = reinterpret_cast<std::uintptr_t>(&find_range);
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uintptr_t a = info->dlpi_addr + ph.p_vaddr;
    lo = std::min(lo, a);
    hi = std::max(hi, a + ph.p_memsz);
  }
  if (self >= lo && self < hi) {
    r->lo = lo;
    r->hi = hi;
    return 1;
  }
  return 0;
}

const Range& slope_range() {
  static const Range range = [] {
    Range r;
    dl_iterate_phdr(find_range, &r);
    return r;
  }();
  return range;
}

struct Walk {
  std::uintptr_t lo, hi;
  const void* found = nullptr;
  int depth = 0;
};

_Unwind_Reason_Code step_frame(_Unwind_Context* ctx, void* data) {
  auto* w = static_cast<Walk*>(data);
  const std::uintptr_t ip = _Unwind_GetIP(ctx);
  if (ip == 0) return _URC_END_OF_STACK;
  if (ip < w->lo || ip >= w->hi) {
    // NOTE: the unwinder hands out return addresses as integers; we only print them.
    w->found = reinterpret_cast<const void*>(ip);  // NOLINT(performance-no-int-to-ptr)
    return _URC_END_OF_STACK;
  }
  return ++w->depth > 64 ? _URC_END_OF_STACK : _URC_NO_REASON;
}

// True for a file of slope's own headers (inlined into the caller: `a * b` is slope's inline
// operator*), which is not the user's line.
bool slope_header(const std::string& file) {
  for (const char* part : {"/slope/graph/", "/slope/ops/", "/slope/optim/", "/slope/gradcheck/",
                           "/slope/data/", "/include/c++/", "/bits/"})
    if (file.find(part) != std::string::npos) return true;
  return false;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kFastUnwind = false;  // libunwind's stack reads would upset the sanitizers
#else
constexpr bool kFastUnwind = true;
#endif

// libunwind's unw_backtrace caches what it learns about each frame and is several times faster
// than libgcc's walk: used when libunwind.so.8 is there, loaded privately (RTLD_LOCAL, so that
// its _Unwind_* never replace libgcc's for exceptions) and only once anomaly mode needs it.
using UnwBacktrace = int (*)(void**, int);
UnwBacktrace fast_backtrace() {
  static const UnwBacktrace fn = [] {
    UnwBacktrace f = nullptr;
    if (!kFastUnwind) return f;
    void* lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    void* sym = lib ? dlsym(lib, "unw_backtrace") : nullptr;
    static_assert(sizeof(f) == sizeof(sym));
    if (sym) std::memcpy(&f, &sym, sizeof f);
    return f;
  }();
  return fn;
}
}  // namespace

const void* capture_call_site() {
  const Range& r = slope_range();
  if (UnwBacktrace fast = fast_backtrace()) {
    std::array<void*, 12> frames{};
    const int n = fast(frames.data(), static_cast<int>(frames.size()));
    for (int i = 0; i < n; ++i) {
      const auto ip = reinterpret_cast<std::uintptr_t>(frames[static_cast<std::size_t>(i)]);
      if (ip < r.lo || ip >= r.hi) return frames[static_cast<std::size_t>(i)];
    }
    if (n < static_cast<int>(frames.size())) return nullptr;  // the whole stack is slope's
  }
  Walk w{r.lo, r.hi};
  _Unwind_Backtrace(step_frame, &w);
  return w.found;
}

std::string describe_call_site(const void* site) {
  if (!site) return "an unknown place (no caller outside the slope library was found)";
  Dl_info info{};
  if (!dladdr(site, &info) || !info.dli_fbase) return fmt::format("address {}", site);
  std::string file = info.dli_fname ? info.dli_fname : "";
  if (file.empty() || file.find('/') == std::string::npos) file = "/proc/self/exe";
  // A return address points after the call: one byte back is inside the calling line.
  auto addr = reinterpret_cast<std::uintptr_t>(site) - 1;
  const auto* ehdr = static_cast<const ElfW(Ehdr)*>(info.dli_fbase);
  if (ehdr->e_type == ET_DYN) addr -= reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  std::string where = fmt::format("{}+{:#x}", file, addr);
  if (file.find('\'') != std::string::npos) return where;
  const std::string cmd = fmt::format("addr2line -C -f -i -e '{}' {:#x} 2>/dev/null", file, addr);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return where;
  // Pairs of lines, innermost inlined frame first: a function, then file:line.
  std::array<char, 4096> buf{};
  std::string function, fallback;
  while (std::fgets(buf.data(), buf.size(), pipe.get())) {
    std::string line(buf.data());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (function.empty()) {
      function = line;
      continue;
    }
    const std::string loc = line.substr(0, line.find(" (discriminator"));
    std::string entry = fmt::format("{} (in {})", loc, function);
    function.clear();
    if (loc.rfind("??", 0) == 0) continue;
    if (fallback.empty()) fallback = entry;
    if (!slope_header(loc)) return entry;
  }
  return fallback.empty() ? where + " (addr2line found no line: build with -g)" : fallback;
}

namespace {
std::string input_shapes(const Inputs& inputs) {
  std::string s;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i > 0) s += ", ";
    s += inputs[i].defined() ? shape_str(inputs[i].shape()) : "null";
  }
  return s.empty() ? "none" : s;
}
}  // namespace

void anomaly_forward(Node& n, const Inputs& inputs, bool recorded) {
  if (!all_finite(n.value)) {
    const NonFiniteCount bad = count_non_finite(n.value);
    const std::string site = describe_call_site(capture_call_site());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].defined() || all_finite(inputs[i].value())) continue;
      // Not the creator: the value came in (a parameter or data that held it, or a node made
      // outside anomaly mode).
      throw AnomalyError(fmt::format(
          "anomaly (forward): '{}' received a non-finite input {} ({} of shape {}, made by '{}' "
          "outside anomaly mode or given as data) and its output of shape {} has {} of {} "
          "elements; called at {}",
          n.op, i, count_non_finite(inputs[i].value()).str(), shape_str(inputs[i].shape()),
          inputs[i].op(), shape_str(n.value.shape()), bad.str(), n.value.size(), site));
    }
    throw AnomalyError(fmt::format(
        "anomaly (forward): '{}' created {} of {} elements in its output of shape {} from finite "
        "inputs of shapes ({}); called at {}",
        n.op, bad.str(), n.value.size(), shape_str(n.value.shape()), input_shapes(inputs), site));
  }
  if (recorded) n.call_site = capture_call_site();
}

void anomaly_backward(const Node& n) {
  for (std::size_t i = 0; i < n.inputs.size(); ++i) {
    const Node* in = n.inputs[i].node();
    if (!in || !in->requires_grad || in->grad.empty() || all_finite(in->grad)) continue;
    const NonFiniteCount bad = count_non_finite(in->grad);
    throw AnomalyError(fmt::format(
        "anomaly (backward): the backward of '{}' created {} of {} elements in the gradient of "
        "its input {} (shape {}, made by '{}') from a finite incoming gradient; its inputs have "
        "shapes ({}); '{}' was called at {}",
        n.op, bad.str(), in->grad.size(), i, shape_str(in->value.shape()), in->op,
        input_shapes(n.inputs), n.op, describe_call_site(n.call_site)));
  }
}

void anomaly_seed(const Node& root, const Tensor& seed) {
  if (all_finite(seed)) return;
  throw AnomalyError(
      fmt::format("anomaly (backward): the seed gradient of '{}' (shape {}) has {}; called at {}",
                  root.op, shape_str(seed.shape()), count_non_finite(seed).str(),
                  describe_call_site(capture_call_site())));
}

}  // namespace detail

}  // namespace slope
