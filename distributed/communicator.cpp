// SPDX-License-Identifier: MIT
#include "communicator.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mpi.h>

#include <fmt/format.h>

namespace slope::distributed {

namespace {
// MPI counts and displacements are ints: a part of 2^31 values or more cannot be sent in one call.
std::vector<int> int_counts(const std::vector<std::size_t>& counts, std::vector<int>& offsets) {
  std::vector<int> out(counts.size());
  offsets.assign(counts.size(), 0);
  std::size_t at = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (counts[r] > INT_MAX || at > static_cast<std::size_t>(INT_MAX))
      throw DistributedError(
          fmt::format("allgather: rank {} sends {} values at offset {}, beyond MPI's int counts", r,
                      counts[r], at));
    out[r] = static_cast<int>(counts[r]);
    offsets[r] = static_cast<int>(at);
    at += counts[r];
  }
  return out;
}

std::size_t total(const std::vector<std::size_t>& counts) {
  std::size_t n = 0;
  for (std::size_t c : counts) n += c;
  return n;
}
}  // namespace

Communicator Communicator::local() { return Communicator(); }

Communicator Communicator::world() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized)
    throw DistributedError(
        "Communicator::world: MPI is not initialised; run the program's body through "
        "slope::distributed::run");
  Communicator c;
  c.mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &c.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &c.size_);
  return c;
}

void Communicator::allgather(const std::vector<double>& mine,
                             const std::vector<std::size_t>& counts,
                             std::vector<double>& all) const {
  all.resize(total(counts));
  // Moved as 8-byte words, bit for bit: a word may hold two floats (data_parallel's compact
  // shards), which no conversion must touch.
  if (!mpi_) {
    if (!mine.empty()) std::memcpy(all.data(), mine.data(), mine.size() * sizeof(double));
    return;
  }
  std::vector<int> offsets;
  std::vector<int> n = int_counts(counts, offsets);
  MPI_Allgatherv(mine.data(), n[static_cast<std::size_t>(rank_)], MPI_UINT64_T, all.data(),
                 n.data(), offsets.data(), MPI_UINT64_T, MPI_COMM_WORLD);
}

std::vector<double> Communicator::allgather_fixed(const std::vector<double>& mine) const {
  if (!mpi_) return mine;
  std::vector<double> all(mine.size() * static_cast<std::size_t>(size_));
  MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(),
                static_cast<int>(mine.size()), MPI_DOUBLE, MPI_COMM_WORLD);
  return all;
}

std::string Communicator::allgather_text(const std::string& mine,
                                         const std::vector<std::size_t>& counts) const {
  if (!mpi_) return mine;
  std::string all(total(counts), '\0');
  std::vector<int> offsets;
  std::vector<int> n = int_counts(counts, offsets);
  MPI_Allgatherv(mine.data(), n[static_cast<std::size_t>(rank_)], MPI_CHAR, all.data(), n.data(),
                 offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
  return all;
}

void Communicator::broadcast(void* data, std::size_t bytes) const {
  if (!mpi_) return;
  // In chunks: MPI's count is an int.
  auto* p = static_cast<char*>(data);
  for (std::size_t done = 0; done < bytes;) {
    const std::size_t n = std::min<std::size_t>(bytes - done, INT_MAX);
    MPI_Bcast(p + done, static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD);
    done += n;
  }
}

void Communicator::abort(int status) const {
  std::fflush(nullptr);
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, status);
  std::exit(status);
}

int run(int& argc, char**& argv, const std::function<int(const Communicator&)>& body) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) MPI_Init(&argc, &argv);
  const Communicator world = Communicator::world();
  int status = 1;
  try {
    status = body(world);
  } catch (const DistributedError& e) {
    if (world.prints()) std::fprintf(stderr, "slope: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slope: rank %d of %d: %s\n", world.rank(), world.size(), e.what());
    world.abort(1);
  }
  MPI_Finalize();
  return status;
}

}  // namespace slope::distributed
