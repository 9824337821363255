// SPDX-License-Identifier: MIT
#include <slope/version.hpp>

namespace slope {

const char* version() noexcept { return SLOPE_VERSION_STRING; }

}  // namespace slope
