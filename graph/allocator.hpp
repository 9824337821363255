// SPDX-License-Identifier: MIT
// Storage for tensor data: 64-byte aligned blocks (xsimd's aligned loads), recycled through a
// small per-thread cache of freed blocks. A training step frees the same buffers the next step
// allocates; the cache hands them back without malloc's aligned path (posix_memalign bypasses its
// fast per-thread bins) and, for blocks of 128 KB and more, without fresh zeroed pages from the
// kernel on every step. Blocks of 128 KB and more are mapped and unmapped whole, never left in
// malloc's heap, so that a run's footprint is its live tensors and the cache.
// SLOPE_NO_TENSOR_CACHE=1 in the environment turns the cache (and the mapping) off; both are off
// under AddressSanitizer, which must see every use after free.
#pragma once

#include <cstddef>

namespace slope::detail {

/// A block of at least `bytes` bytes, aligned to 64; throws std::bad_alloc.
void* tensor_alloc(std::size_t bytes);
/// Returns a block from tensor_alloc(bytes) (same `bytes`) to the cache or to the system.
void tensor_free(void* p, std::size_t bytes) noexcept;
/// Gives every block cached by this thread back to the system.
void tensor_cache_release() noexcept;
/// Bytes held by this thread's cache (blocks freed and kept for reuse).
std::size_t tensor_cache_bytes() noexcept;

/// The allocator of Array<T>: a standard allocator over tensor_alloc / tensor_free.
template <class T>
struct TensorAllocator {
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  template <class U>
  struct rebind {
    using other = TensorAllocator<U>;
  };

  TensorAllocator() noexcept = default;
  template <class U>
  TensorAllocator(const TensorAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) { return static_cast<T*>(tensor_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { tensor_free(p, n * sizeof(T)); }
};

template <class T, class U>
bool operator==(const TensorAllocator<T>&, const TensorAllocator<U>&) noexcept {
  return true;
}
template <class T, class U>
bool operator!=(const TensorAllocator<T>&, const TensorAllocator<U>&) noexcept {
  return false;
}

}  // namespace slope::detail
