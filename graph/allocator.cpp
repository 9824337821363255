// SPDX-License-Identifier: MIT
#include "allocator.hpp"

#include <algorithm>
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
  // NOTE: aligned_alloc wants a size that is a multiple of the alignment (ASan enforces it).
  const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
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
  Cache() = default;
  Cache(const Cache&) = delete;  // a copy would free every cached block twice
  Cache& operator=(const Cache&) = delete;
  ~Cache();
};

// This thread's cache, reached through one trivially destructible thread_local (a single TLS
// lookup per call). NOTE: blocks freed after the cache is destroyed (a static tensor at exit) go
// straight back to the system: `gone` stays readable after every destructor has run.
struct ThreadState {
  Cache* cache = nullptr;
  bool gone = false;
};
thread_local ThreadState tl_state;

Cache::~Cache() {
  release();
  tl_state.cache = nullptr;
  tl_state.gone = true;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;  // AddressSanitizer must see every use after free
#else
constexpr bool kCaching = true;
#endif

// SLOPE_NO_TENSOR_CACHE=1 turns the cache off (to compare, or for valgrind's memcheck).
bool caching_enabled() {
  static const bool on = kCaching && std::getenv("SLOPE_NO_TENSOR_CACHE") == nullptr;
  return on;
}

// The first call on a thread builds its cache (or finds caching off); later calls read one
// pointer.
__attribute__((noinline)) Cache* first_cache(ThreadState& s) {
  if (s.gone) return nullptr;
  if (!caching_enabled()) {
    s.gone = true;
    return nullptr;
  }
  thread_local Cache owner;  // released at this thread's exit
  s.cache = &owner;
  return s.cache;
}

inline Cache* this_thread_cache() {
  ThreadState& s = tl_state;
  return s.cache ? s.cache : first_cache(s);
}
}  // namespace

void* tensor_alloc(std::size_t bytes) {
  const std::size_t c = class_of(bytes);
  // Blocks too large to cache are allocated at their own size (rounded to the alignment).
  if (c >= kClasses || class_bytes(c) > kMaxCachedBlock)
    return system_alloc((std::max(bytes, kAlign) + kAlign - 1) / kAlign * kAlign);
  const std::size_t size = class_bytes(c);
  Cache* cache = this_thread_cache();
  if (!cache || cache->free[c].empty()) return system_alloc(size);
  void* p = cache->free[c].back();
  cache->free[c].pop_back();
  cache->bytes -= size;
  return p;
}

void tensor_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const std::size_t c = class_of(bytes);
  const std::size_t size = c < kClasses ? class_bytes(c) : 0;
  Cache* cache = c < kClasses && size <= kMaxCachedBlock ? this_thread_cache() : nullptr;
  if (!cache || cache->bytes + size > kMaxCachedBytes) {
    std::free(p);
    return;
  }
  try {
    cache->free[c].push_back(p);
  } catch (...) {  // no room to remember it: give it back
    std::free(p);
    return;
  }
  cache->bytes += size;
}

void tensor_cache_release() noexcept {
  if (Cache* cache = tl_state.cache) cache->release();
}

std::size_t tensor_cache_bytes() noexcept { return tl_state.cache ? tl_state.cache->bytes : 0; }

}  // namespace slope::detail
