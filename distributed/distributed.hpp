// SPDX-License-Identifier: MIT
// slope::distributed, data-parallel training over MPI (the slope::distributed library; not part
// of <slope/slope.hpp>, so that only programs that train over MPI need MPI). docs/distributed.md.
#pragma once

#include "communicator.hpp"
#include "data_parallel.hpp"
