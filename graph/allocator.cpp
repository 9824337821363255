// SPDX-License-Identifier: MIT
#include "allocator.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace slope::detail {

namespace {
constexpr std::size_t kAlign = 64;
// Blocks up to 64 MB are cached, at most 256 MB of them per thread: a step's buffers (the
// example CNN's at batch 128 and its evaluation's at 500), not a data set, which goes back to the
// system when freed.
constexpr std::size_t kMaxCachedBlock = std::size_t(64) << 20;
constexpr std::size_t kMaxCachedBytes = std::size_t(256) << 20;
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

bool caching_enabled();

// NOTE: blocks of 128 KB and more (glibc's own default threshold) are mapped from the kernel and
// unmapped whole when freed (unless cached), never taken from malloc's heap: glibc raises that
// threshold as large blocks are freed, up to 32 MB, and then serves a training run's activations
// from its heap, where the holes an evaluation's larger batches leave grew the resident set for
// epochs. Mapped, they leave nothing behind: the footprint is the live tensors and the cache.
constexpr std::size_t kMapFrom = std::size_t(128) << 10;

std::size_t page_rounded(std::size_t bytes) {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

bool mapped(std::size_t bytes) { return bytes >= kMapFrom && caching_enabled(); }

// `bytes`: the same for the block's system_free.
void* system_alloc(std::size_t bytes) {
  if (mapped(bytes)) {
    void* p = ::mmap(nullptr, page_rounded(bytes), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  // NOTE: aligned_alloc wants a size that is a multiple of the alignment (ASan enforces it); the
  // size classes are not all multiples of 64 (80, 96, 112, 160, ...).
  void* p = std::aligned_alloc(kAlign, (std::max(bytes, kAlign) + kAlign - 1) / kAlign * kAlign);
  if (!p) throw std::bad_alloc();
  return p;
}

void system_free(void* p, std::size_t bytes) noexcept {
  if (mapped(bytes))
    ::munmap(p, page_rounded(bytes));
  else
    std::free(p);
}

struct Cached {
  void* block;
  std::uint64_t freed;  // when, on the cache's clock
};

struct Cache {
  std::vector<Cached> free[kClasses];  // each class's blocks, least recently freed first
  std::size_t bytes = 0;
  std::uint64_t clock = 0;

  // Gives back the least recently freed blocks, of any class, until `size` more bytes fit: what
  // a training step frees it allocates again soon, what an evaluation's batches left is dropped.
  void make_room(std::size_t size) noexcept {
    while (bytes + size > kMaxCachedBytes) {
      std::size_t oldest = kClasses;
      for (std::size_t c = 0; c < kClasses; ++c)
        if (!free[c].empty() &&
            (oldest == kClasses || free[c].front().freed < free[oldest].front().freed))
          oldest = c;
      if (oldest == kClasses) return;
      system_free(free[oldest].front().block, class_bytes(oldest));
      free[oldest].erase(free[oldest].begin());
      bytes -= class_bytes(oldest);
    }
  }
  void release() noexcept {
    for (std::size_t c = 0; c < kClasses; ++c) {
      for (const Cached& b : free[c]) system_free(b.block, class_bytes(c));
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
  // Blocks too large to cache are allocated at their own size.
  if (c >= kClasses || class_bytes(c) > kMaxCachedBlock) return system_alloc(bytes);
  const std::size_t size = class_bytes(c);
  Cache* cache = this_thread_cache();
  if (!cache || cache->free[c].empty()) return system_alloc(size);
  void* p = cache->free[c].back().block;  // the most recently freed: still in cache
  cache->free[c].pop_back();
  cache->bytes -= size;
  return p;
}

void tensor_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const std::size_t c = class_of(bytes);
  if (c >= kClasses || class_bytes(c) > kMaxCachedBlock) {
    system_free(p, bytes);
    return;
  }
  const std::size_t size = class_bytes(c);
  Cache* cache = this_thread_cache();
  if (!cache) {
    system_free(p, size);
    return;
  }
  cache->make_room(size);
  try {
    cache->free[c].push_back({p, ++cache->clock});
  } catch (...) {  // no room to remember it: give it back
    system_free(p, size);
    return;
  }
  cache->bytes += size;
}

void tensor_cache_release() noexcept {
  if (Cache* cache = tl_state.cache) cache->release();
}

std::size_t tensor_cache_bytes() noexcept { return tl_state.cache ? tl_state.cache->bytes : 0; }

}  // namespace slope::detail
