// SPDX-License-Identifier: MIT
// Where layers get their seeds: each new layer draws the next seed of a per-thread sequence, so a
// model built in the same order after the same manual_seed() is the same model, bit for bit,
// and two layers of one shape still start differently.
#pragma once

#include <cstdint>

namespace slope::nn {

/// Restarts this thread's sequence of layer seeds from `seed` (0 at program start).
void manual_seed(std::uint64_t seed);
/// The next seed of the sequence (splitmix64 of the base and a counter).
std::uint64_t next_seed();

}  // namespace slope::nn
