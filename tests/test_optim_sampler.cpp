// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// The minibatch sampler: batch sizes, coverage, shuffling, replacement, drop_last, seeds.
#define BOOST_TEST_MODULE optim_sampler
#include <algorithm>
#include <numeric>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
SamplerOptions opts(std::size_t batch, bool shuffle = true, bool replacement = false,
                    bool drop_last = false, std::uint64_t seed = 7) {
  SamplerOptions o;
  o.batch_size = batch;
  o.shuffle = shuffle;
  o.replacement = replacement;
  o.drop_last = drop_last;
  o.seed = seed;
  return o;
}

// The batches of one epoch.
std::vector<std::vector<std::size_t>> epoch(Sampler& s, std::size_t k) {
  s.begin_epoch(k);
  std::vector<std::vector<std::size_t>> out;
  Batch b;
  while (s.next(b)) out.push_back(b.indices);
  return out;
}

std::vector<std::size_t> flat(const std::vector<std::vector<std::size_t>>& batches) {
  std::vector<std::size_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(sampler)

BOOST_AUTO_TEST_CASE(each_epoch_is_a_permutation_in_batches) {
  Sampler s(10, opts(4));
  BOOST_TEST(s.batches_per_epoch() == 3u);
  for (std::size_t k = 0; k < 5; ++k) {
    const auto batches = epoch(s, k);
    BOOST_REQUIRE_EQUAL(batches.size(), 3u);
    BOOST_TEST(batches[0].size() == 4u);
    BOOST_TEST(batches[1].size() == 4u);
    BOOST_TEST(batches[2].size() == 2u);
    auto all = flat(batches);
    std::sort(all.begin(), all.end());
    BOOST_TEST(all == iota(10), "epoch " << k);
  }
}

BOOST_AUTO_TEST_CASE(shuffles_differently_each_epoch_and_reproducibly) {
  Sampler a(50, opts(8)), b(50, opts(8)), other_seed(50, opts(8, true, false, false, 8));
  const auto e0 = flat(epoch(a, 0)), e1 = flat(epoch(a, 1));
  BOOST_TEST(e0 != e1);
  BOOST_TEST(e0 != iota(50));
  BOOST_TEST(flat(epoch(b, 0)) == e0);
  BOOST_TEST(flat(epoch(b, 1)) == e1);
  BOOST_TEST(flat(epoch(other_seed, 0)) != e0);
  // Epoch k depends on (seed, k) only: straight to epoch 1 gives the same order.
  Sampler c(50, opts(8));
  BOOST_TEST(flat(epoch(c, 1)) == e1);
  BOOST_TEST(flat(epoch(c, 0)) == e0);
}

BOOST_AUTO_TEST_CASE(shuffling_is_uniform_enough) {
  // Over 3000 epochs each of 10 indices comes first about 300 times.
  Sampler s(10, opts(10));
  std::vector<int> first(10, 0);
  for (std::size_t k = 0; k < 3000; ++k) ++first[epoch(s, k)[0][0]];
  for (std::size_t i = 0; i < 10; ++i)
    BOOST_TEST((first[i] > 220 && first[i] < 380), i << ": " << first[i]);
}

BOOST_AUTO_TEST_CASE(without_shuffle_the_order_is_kept) {
  Sampler s(10, opts(4, false));
  const auto batches = epoch(s, 3);
  BOOST_TEST(batches[0] == (std::vector<std::size_t>{0, 1, 2, 3}));
  BOOST_TEST(batches[2] == (std::vector<std::size_t>{8, 9}));
  Batch b;
  s.begin_epoch(0);
  s.next(b);
  BOOST_TEST(!b.whole);
  // One unshuffled batch of everything is the whole set: the loss may skip the gather.
  Sampler all(10, opts(10, false));
  all.begin_epoch(0);
  BOOST_TEST(all.next(b));
  BOOST_TEST(b.whole);
  BOOST_TEST(b.indices == iota(10));
  BOOST_TEST(!all.next(b));
}

BOOST_AUTO_TEST_CASE(drop_last_skips_the_short_batch) {
  Sampler s(10, opts(4, true, false, true));
  BOOST_TEST(s.batches_per_epoch() == 2u);
  const auto batches = epoch(s, 0);
  BOOST_REQUIRE_EQUAL(batches.size(), 2u);
  auto all = flat(batches);
  std::sort(all.begin(), all.end());
  BOOST_TEST((std::adjacent_find(all.begin(), all.end()) == all.end()));  // 8 distinct indices
  BOOST_TEST(all.size() == 8u);
}

BOOST_AUTO_TEST_CASE(with_replacement_batches_are_full_and_indices_repeat) {
  Sampler s(10, opts(4, true, true));
  BOOST_TEST(s.batches_per_epoch() == 3u);
  Sampler d(10, opts(4, true, true, true));
  BOOST_TEST(d.batches_per_epoch() == 2u);
  std::vector<int> count(10, 0);
  bool some_epoch_misses_an_index = false;
  for (std::size_t k = 0; k < 1000; ++k) {
    const auto batches = epoch(s, k);
    BOOST_REQUIRE_EQUAL(batches.size(), 3u);
    std::vector<bool> seen(10, false);
    for (const auto& b : batches) {
      BOOST_REQUIRE_EQUAL(b.size(), 4u);
      for (auto i : b) {
        BOOST_REQUIRE_LT(i, 10u);
        ++count[i];
        seen[i] = true;
      }
    }
    some_epoch_misses_an_index |= std::count(seen.begin(), seen.end(), false) > 0;
  }
  BOOST_TEST(some_epoch_misses_an_index);
  for (std::size_t i = 0; i < 10; ++i)
    BOOST_TEST((count[i] > 1050 && count[i] < 1350), i << ": " << count[i]);
  Sampler again(10, opts(4, true, true));
  BOOST_TEST(flat(epoch(again, 5)) == flat(epoch(s, 5)));
}

BOOST_AUTO_TEST_CASE(next_ends_the_epoch_and_begin_restarts_it) {
  Sampler s(5, opts(5));
  Batch b;
  s.begin_epoch(0);
  BOOST_TEST(s.next(b));
  BOOST_TEST(!s.next(b));
  BOOST_TEST(!s.next(b));
  s.begin_epoch(0);
  BOOST_TEST(s.next(b));
}

BOOST_AUTO_TEST_CASE(bad_sizes_name_the_value) {
  BOOST_CHECK_EXCEPTION(Sampler(10, opts(0)), ValueError,
                        mentions("Sampler: batch_size must be at least 1 (batch_size 0)"));
  BOOST_CHECK_EXCEPTION(
      Sampler(10, opts(11)), ValueError,
      mentions("Sampler: batch_size 11 is larger than the data set (10 examples)"));
  BOOST_CHECK_EXCEPTION(Sampler(0, opts(1)), ValueError,
                        mentions("Sampler: the data set is empty"));
}

BOOST_AUTO_TEST_SUITE_END()
