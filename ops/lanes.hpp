// SPDX-License-Identifier: MIT
// Between oneDNN's blocked layouts and NCHW, for one image's block of B channels: [S, B] (the B
// channels side by side, S pixels) and [B, S] (B planes). Internal
// (ops/conv2d_relu_max_pool2d.cpp). With AVX-512 and B = 16 the moves go a 16x16 tile at a time
// through registers: element by element they took 2.5 cycles per float, a third of the fused node's
// passes.
#pragma once

#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace slope::detail {

#if defined(__AVX512F__)
/// dst[c * ds + r] = src[r * ss + c] for r, c < 16: unpack pairs, then 4x4 blocks within 128-bit
/// lanes, then the lanes.
inline void transpose16(const float* src, std::size_t ss, float* dst, std::size_t ds) {
  __m512 r[16], t[16];
  for (std::size_t i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * ss);
  for (std::size_t i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (std::size_t i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (std::size_t i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (std::size_t i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
  for (std::size_t i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ds, r[i]);
}
#endif

/// planes[l * s + t] = lanes[t * B + l].
template <std::size_t B>
void lanes_to_planes(const float* lanes, std::size_t s, float* planes) {
  std::size_t t0 = 0;
#if defined(__AVX512F__)
  if constexpr (B == 16)
    for (; t0 + 16 <= s; t0 += 16) transpose16(lanes + t0 * B, B, planes + t0, s);
#endif
  for (std::size_t l = 0; l < B; ++l)
    for (std::size_t t = t0; t < s; ++t) planes[l * s + t] = lanes[t * B + l];
}

/// lanes[t * B + l] = planes[l * s + t].
template <std::size_t B>
void planes_to_lanes(const float* planes, std::size_t s, float* lanes) {
  std::size_t t0 = 0;
#if defined(__AVX512F__)
  if constexpr (B == 16)
    for (; t0 + 16 <= s; t0 += 16) transpose16(planes + t0, s, lanes + t0 * B, B);
#endif
  for (std::size_t t = t0; t < s; ++t)
    for (std::size_t l = 0; l < B; ++l) lanes[t * B + l] = planes[l * s + t];
}

}  // namespace slope::detail
