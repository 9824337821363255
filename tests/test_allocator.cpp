// SPDX-License-Identifier: MIT
// slope-test-labels: unit
// The tensor block cache (graph/allocator.hpp): alignment, reuse of freed blocks, the limits on
// what it keeps, and that tensors built on it behave as plain arrays.
#define BOOST_TEST_MODULE allocator
#include <cstdint>
#include <malloc.h>
#include <vector>

#include "support/checks.hpp"
#include <slope/graph/allocator.hpp>

using namespace slope;
using slope::detail::tensor_alloc;
using slope::detail::tensor_cache_bytes;
using slope::detail::tensor_cache_release;
using slope::detail::tensor_free;

namespace {
bool aligned64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }
}  // namespace

BOOST_AUTO_TEST_SUITE(allocator)

BOOST_AUTO_TEST_CASE(blocks_are_64_byte_aligned) {
  for (std::size_t bytes : {0, 1, 63, 64, 65, 1000, 4096, 131072, 5000000}) {
    void* p = tensor_alloc(bytes);
    BOOST_TEST(aligned64(p), "bytes " << bytes);
    tensor_free(p, bytes);
  }
  Array<float> a(Shape{3, 5}, 1.0f);
  BOOST_TEST(aligned64(a.data()));
}

#if !defined(__SANITIZE_ADDRESS__)
BOOST_AUTO_TEST_CASE(a_freed_block_is_handed_back_for_the_same_size_class) {
  tensor_cache_release();
  void* p = tensor_alloc(4000);
  tensor_free(p, 4000);
  BOOST_TEST(tensor_cache_bytes() >= 4000u);
  void* q = tensor_alloc(3900);  // same class (3585..4096 bytes)
  BOOST_TEST(q == p);
  BOOST_TEST(tensor_cache_bytes() == 0u);
  tensor_free(q, 3900);
  tensor_cache_release();
  BOOST_TEST(tensor_cache_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(large_blocks_go_back_to_the_system) {
  tensor_cache_release();
  const std::size_t big = std::size_t(80) << 20;  // a data set, not a step's buffer
  void* p = tensor_alloc(big);
  static_cast<char*>(p)[big - 1] = 1;
  tensor_free(p, big);
  BOOST_TEST(tensor_cache_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(blocks_of_128_kb_and_more_never_enter_mallocs_heap) {
  // Neither malloc's heap nor its own mappings grow by the blocks (in use or freed), at sizes
  // glibc would take from its heap once its mmap threshold has risen (the resident set that grew
  // for epochs in examples/cnn).
  tensor_cache_release();
  const auto malloc_bytes = [] {
    const struct mallinfo2 m = ::mallinfo2();
    return m.uordblks + m.hblkhd;
  };
  const std::size_t before = malloc_bytes();
  std::vector<void*> blocks;
  for (std::size_t bytes : {std::size_t(128) << 10, std::size_t(3) << 20, std::size_t(20) << 20})
    blocks.push_back(tensor_alloc(bytes));
  BOOST_TEST(malloc_bytes() < before + (std::size_t(64) << 10));
  tensor_free(blocks[0], std::size_t(128) << 10);
  tensor_free(blocks[1], std::size_t(3) << 20);
  tensor_free(blocks[2], std::size_t(20) << 20);
  tensor_cache_release();
}

BOOST_AUTO_TEST_CASE(a_full_cache_drops_the_least_recently_freed_block) {
  // A 1 MB block freed first, then 32 blocks of 8 MB (256 MB, the cap): the 1 MB block goes, not
  // the 8 MB block just freed, which leaves exactly 256 MB.
  tensor_cache_release();
  const std::size_t mb = std::size_t(1) << 20, block = 8 * mb;
  void* small = tensor_alloc(mb);
  tensor_free(small, mb);
  BOOST_TEST(tensor_cache_bytes() == mb);
  std::vector<void*> blocks;
  blocks.reserve(32);
  for (int i = 0; i < 32; ++i) blocks.push_back(tensor_alloc(block));
  for (void* p : blocks) tensor_free(p, block);
  BOOST_TEST(tensor_cache_bytes() == 256 * mb);
  void* again = tensor_alloc(block);  // the most recently freed comes back first
  BOOST_TEST(again == blocks.back());
  tensor_free(again, block);
  tensor_cache_release();
  BOOST_TEST(tensor_cache_bytes() == 0u);
}
#endif

BOOST_AUTO_TEST_CASE(recycled_storage_holds_new_values) {
  for (int round = 0; round < 3; ++round) {
    Tensor t = Tensor::full({4, 4}, round + 0.5, Dtype::float32);
    for (std::size_t i = 0; i < t.size(); ++i) BOOST_TEST(t.flat(i) == round + 0.5);
    Tensor u = Tensor::zeros({17}, Dtype::float64);
    BOOST_TEST(test::close(u, std::vector<double>(17, 0.0)));
  }
}

BOOST_AUTO_TEST_SUITE_END()
