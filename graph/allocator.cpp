// SPDX-License-Identifier: MIT
#include "allocator.hpp"

#include <cstdlib>
#include <new>
#include <vector>

namespace slope::detail {

namespace {
constexpr std::size_t kAlign = 64;
// Blocks up to 16 MB are cached, at most 64 MB of them per thread: a step's buffers, not a data
// set, which goes back to the system when freed.
constexpr std::size_t kMaxCachedBlock = std::size_t(16) << 20;
constexpr std::size_t kMaxCachedBytes = std::size_t(64) << 20;
// Size classes: 64 bytes, then four per doubling (64, 80, 96, 112, 128, 160, ...), so that a
// block is at most 25% larger than asked for.
constexpr std::size_t kClasses = 4 * 24 + 1;

std::size_t class_of(std::size_t bytes) {
  if (bytes <= kAlign) return 0;
  const std::size_t b = bytes - 1;
  const int top = 63 - __builtin_clzll(b);  // 2^top <= b < 2^(top + 1), top >= 6
  const std::size_t quarter = (b >> (top - 2)) & 3;
  return static_cast<std::size_t>(top - 6) * 4 + quarter + 1;
}

std::size_t class_bytes(std::size_t c) {
  if (c == 0) return kAlign;
  const std::size_t top = (c - 1) / 4 + 6, quarter = (c - 1) % 4;
  return (std::size_t(1) << top) + (quarter + 1) * (std::size_t(1) << (top - 2));
}

void* system_alloc(std::size_t bytes) {
  void* p = std::aligned_alloc(kAlign, bytes);
  if (!p) throw std::bad_alloc();
  return p;
}

struct Cache {
  std::vector<void*> free[kClasses];
  std::size_t bytes = 0;

  void release() noexcept {
    for (std::size_t c = 0; c < kClasses; ++c) {
      for (void* p : free[c]) std::free(p);
      free[c].clear();
    }
    bytes = 0;
  }
  ~Cache();
};

// NOTE: blocks freed after this thread's cache is destroyed (a static tensor at exit) go straight
// back to the system; `tl_cache_gone` is trivially destructible, so it is still readable then.
thread_local bool tl_cache_gone = false;
thread_local Cache tl_cache;
Cache::~Cache() {
  release();
  tl_cache_gone = true;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;  // AddressSanitizer must see every use after free
#else
constexpr bool kCaching = true;
#endif
}  // namespace

void* tensor_alloc(std::size_t bytes) {
  const std::size_t c = class_of(bytes);
  if (!kCaching || c >= kClasses || class_bytes(c) > kMaxCachedBlock || tl_cache_gone)
    return system_alloc(c < kClasses ? class_bytes(c) : (bytes + kAlign - 1) / kAlign * kAlign);
  auto& list = tl_cache.free[c];
  if (list.empty()) return system_alloc(class_bytes(c));
  void* p = list.back();
  list.pop_back();
  tl_cache.bytes -= class_bytes(c);
  return p;
}

void tensor_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const std::size_t c = class_of(bytes);
  if (!kCaching || c >= kClasses || tl_cache_gone || class_bytes(c) > kMaxCachedBlock ||
      tl_cache.bytes + class_bytes(c) > kMaxCachedBytes) {
    std::free(p);
    return;
  }
  try {
    tl_cache.free[c].push_back(p);
  } catch (...) {  // no room to remember it: give it back
    std::free(p);
    return;
  }
  tl_cache.bytes += class_bytes(c);
}

void tensor_cache_release() noexcept {
  if (!tl_cache_gone) tl_cache.release();
}

std::size_t tensor_cache_bytes() noexcept { return tl_cache_gone ? 0 : tl_cache.bytes; }

}  // namespace slope::detail
