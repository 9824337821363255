// SPDX-License-Identifier: MIT
// slope-test-labels: unit
// The tensor block cache (graph/allocator.hpp): alignment, reuse of freed blocks, the limits on
// what it keeps, and that tensors built on it behave as plain arrays.
#define BOOST_TEST_MODULE allocator
#include <cstdint>

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
  const std::size_t big = std::size_t(40) << 20;  // a data set, not a step's buffer
  void* p = tensor_alloc(big);
  static_cast<char*>(p)[big - 1] = 1;
  tensor_free(p, big);
  BOOST_TEST(tensor_cache_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(the_cache_holds_at_most_64_mb) {
  tensor_cache_release();
  std::vector<void*> blocks;
  const std::size_t block = std::size_t(8) << 20;
  for (int i = 0; i < 12; ++i) blocks.push_back(tensor_alloc(block));
  for (void* p : blocks) tensor_free(p, block);
  BOOST_TEST(tensor_cache_bytes() <= (std::size_t(64) << 20));
  BOOST_TEST(tensor_cache_bytes() >= (std::size_t(56) << 20));
  tensor_cache_release();
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
