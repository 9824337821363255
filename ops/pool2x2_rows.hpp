// SPDX-License-Identifier: MIT
// conv2d_relu_max_pool2d's work on one row of 2x2 windows in a oneDNN blocked layout: the forward's
// relu + max pool with a byte per window, the backward's gradient from those bytes. Internal
// (ops/conv2d_relu_max_pool2d.cpp).
//
// relu(max) is the max of the relus (relu is monotone) and the window's winner is the same element,
// under max_pool2d's rule (pool_rule.hpp). The layouts hold a block of B channels side by side: one
// lane per channel, B windows at a time. r0 and r1: a row of windows' top and bottom rows
// [2 OW, B]; m [OW, B]: their relus of the max, code [OW, B]: their bytes.
//
// With AVX-512 and B = 16 a window's 16 channels are one register: GCC vectorised the portable
// loops 4 lanes wide, and they took 0.9 ms for the example's first activations to these 0.5.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "pool_rule.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace slope::detail {

/// A window's byte. Bit 2 set: its winner (bits 0-1: 0 and 1 the top row, 2 and 3 the bottom) is
/// positive, so it gets g; bits 4-7: which of the four are NaN (they get a NaN gradient). Without
/// bit 2 and a NaN, every element of the window gets 0: the relu's gradient of the winner is 0.
constexpr std::uint32_t kPoolGets = 4;

#if defined(__AVX512F__)
inline bool pool_row16(std::size_t ow, const float* r0, const float* r1, float* m,
                       std::uint8_t* code) {
  const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2);
  const __m512i gets = _mm512_set1_epi32(kPoolGets);
  __mmask16 nan = 0;
  for (std::size_t j = 0; j < ow; ++j) {
    const __m512 a = _mm512_loadu_ps(r0 + 32 * j), b = _mm512_loadu_ps(r0 + 32 * j + 16);
    const __m512 c = _mm512_loadu_ps(r1 + 32 * j), d = _mm512_loadu_ps(r1 + 32 * j + 16);
    nan |= _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(c, d, _CMP_UNORD_Q);
    const __mmask16 right0 = _mm512_cmp_ps_mask(b, a, _CMP_GT_OQ);
    const __mmask16 right1 = _mm512_cmp_ps_mask(d, c, _CMP_GT_OQ);
    const __m512 m0 = _mm512_mask_blend_ps(right0, a, b), m1 = _mm512_mask_blend_ps(right1, c, d);
    const __mmask16 bottom = _mm512_cmp_ps_mask(m1, m0, _CMP_GT_OQ);
    const __m512 best = _mm512_mask_blend_ps(bottom, m0, m1);
    const __mmask16 gets_g = _mm512_cmp_ps_mask(best, _mm512_setzero_ps(), _CMP_GT_OQ);
    const auto right = static_cast<__mmask16>((bottom & right1) | (~bottom & right0));
    __m512i k = _mm512_mask_add_epi32(gets, right, gets, one);
    k = _mm512_mask_add_epi32(k, bottom, k, two);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(code + 16 * j),
                     _mm512_cvtepi32_epi8(_mm512_maskz_mov_epi32(gets_g, k)));
    _mm512_storeu_ps(m + 16 * j, _mm512_maskz_mov_ps(gets_g, best));
  }
  return nan != 0;
}

inline void unpool_row16(std::size_t ow, const float* gr, const std::uint8_t* code, float* d0,
                         float* d1) {
  for (std::size_t j = 0; j < ow; ++j) {
    const __m512 g = _mm512_loadu_ps(gr + 16 * j);
    const __m512i cd =
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(code + 16 * j)));
    const auto at = [&](std::uint32_t k) {
      return _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(cd, _mm512_set1_epi32(kPoolGets + k)), g);
    };
    _mm512_storeu_ps(d0 + 32 * j, at(0));
    _mm512_storeu_ps(d0 + 32 * j + 16, at(1));
    _mm512_storeu_ps(d1 + 32 * j, at(2));
    _mm512_storeu_ps(d1 + 32 * j + 16, at(3));
  }
}
#endif

/// Selects only; returns whether the row held a NaN, which this walk gets wrong: the row is walked
/// again by pool_row_with_nan.
template <std::size_t B>
bool pool_row(std::size_t ow, const float* r0, const float* r1, float* m, std::uint8_t* code) {
#if defined(__AVX512F__)
  if constexpr (B == 16) return pool_row16(ow, r0, r1, m, code);
#endif
  std::int32_t nan = 0;  // an int, not a bool: GCC vectorises the sum
  for (std::size_t j = 0; j < ow; ++j)
    for (std::size_t l = 0; l < B; ++l) {
      const float a = r0[2 * j * B + l], b = r0[(2 * j + 1) * B + l];
      const float c = r1[2 * j * B + l], d = r1[(2 * j + 1) * B + l];
      nan |= (a != a) | (b != b) | (c != c) | (d != d);
      const bool right0 = b > a, right1 = d > c;
      const float m0 = right0 ? b : a, m1 = right1 ? d : c;
      const bool bottom = m1 > m0;
      const float best = bottom ? m1 : m0;
      const std::uint32_t k = bottom ? 2u + right1 : std::uint32_t(right0);
      code[j * B + l] = static_cast<std::uint8_t>(keep_if(best > 0, kPoolGets | k));
      m[j * B + l] = keep_if(best > 0, best);
    }
  return nan != 0;
}

template <std::size_t B>
void pool_row_with_nan(std::size_t ow, const float* r0, const float* r1, float* m,
                       std::uint8_t* code) {
  for (std::size_t j = 0; j < ow; ++j)
    for (std::size_t l = 0; l < B; ++l) {
      const float v[4] = {r0[2 * j * B + l], r0[(2 * j + 1) * B + l], r1[2 * j * B + l],
                          r1[(2 * j + 1) * B + l]};
      const int k = winner(v);
      std::uint32_t nan = 0;
      for (int i = 0; i < 4; ++i) nan |= std::uint32_t(v[i] != v[i]) << i;
      const float best = v[k];
      code[j * B + l] = static_cast<std::uint8_t>(nan        ? nan << 4
                                                  : best > 0 ? kPoolGets | std::uint32_t(k)
                                                             : 0u);
      m[j * B + l] = best <= 0 ? 0.0f : best;  // relu, NaN passing (ops/relu.cpp)
    }
}

/// The window's four gradients from the bytes and the pooled g (gr [OW, B]), NaNs aside: d0 and d1
/// are the convolution's g's rows as r0 and r1.
template <std::size_t B>
void unpool_row(std::size_t ow, const float* gr, const std::uint8_t* code, float* d0, float* d1) {
#if defined(__AVX512F__)
  if constexpr (B == 16) return unpool_row16(ow, gr, code, d0, d1);
#endif
  for (std::size_t j = 0; j < ow; ++j)
    for (std::size_t l = 0; l < B; ++l) {
      const std::uint32_t cd = code[j * B + l];
      const float gv = gr[j * B + l];
      d0[2 * j * B + l] = keep_if(cd == kPoolGets, gv);
      d0[(2 * j + 1) * B + l] = keep_if(cd == kPoolGets + 1, gv);
      d1[2 * j * B + l] = keep_if(cd == kPoolGets + 2, gv);
      d1[(2 * j + 1) * B + l] = keep_if(cd == kPoolGets + 3, gv);
    }
}

/// Then a NaN gradient where the forward met a NaN (bits 4-7), when it met one.
template <std::size_t B>
void unpool_nans(std::size_t ow, const std::uint8_t* code, float* d0, float* d1) {
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t j = 0; j < ow; ++j)
    for (std::size_t l = 0; l < B; ++l) {
      const std::uint32_t nan = code[j * B + l] >> 4u;
      if (nan == 0) continue;
      float* slots[4] = {&d0[2 * j * B + l], &d0[(2 * j + 1) * B + l], &d1[2 * j * B + l],
                         &d1[(2 * j + 1) * B + l]};
      for (std::uint32_t i = 0; i < 4; ++i)
        if (nan >> i & 1u) *slots[i] = kNan;
    }
}

}  // namespace slope::detail
