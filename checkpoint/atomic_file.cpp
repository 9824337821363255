// SPDX-License-Identifier: MIT
#include "atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

[[noreturn]] void fail_write(const std::string& path, const std::string& why) {
  throw ValueError(fmt::format("write_file_atomic: cannot write '{}' ({})", path, why));
}

// Writes all of [data, data + n) to fd; false (errno set) on failure.
bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// The test hook: announce the pause by creating `marker`, then wait to be killed.
[[noreturn]] void pause_for_test(const char* marker) {
  const int fd = ::open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
  for (;;) ::pause();
}

std::atomic<unsigned> temp_counter{0};

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::filesystem::path target(path);
  const std::string dir =
      target.has_parent_path() ? target.parent_path().string() : std::string(".");
  const std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), temp_counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail_write(path, std::strerror(errno));
  const auto give_up = [&](const char* step) {
    const std::string why = fmt::format("{}: {}", step, std::strerror(errno));
    ::close(fd);
    ::unlink(temp.c_str());
    fail_write(path, why);
  };
  std::size_t first = bytes.size();
  const char* pause = std::getenv("SLOPE_TEST_PAUSE_WRITE");
  if (pause && *pause) first /= 2;
  if (!write_all(fd, bytes.data(), first)) give_up("write");
  if (pause && *pause) pause_for_test(pause);
  if (!write_all(fd, bytes.data() + first, bytes.size() - first)) give_up("write");
  if (::fsync(fd) != 0) give_up("fsync");
  if (::close(fd) != 0) {
    const std::string why = fmt::format("close: {}", std::strerror(errno));
    ::unlink(temp.c_str());
    fail_write(path, why);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = fmt::format("rename: {}", std::strerror(errno));
    ::unlink(temp.c_str());
    fail_write(path, why);
  }
  // The rename is durable only once the directory entry is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail_write(path, fmt::format("open directory '{}': {}", dir, std::strerror(errno)));
  const bool synced = ::fsync(dfd) == 0;
  const int err = errno;
  ::close(dfd);
  if (!synced) fail_write(path, fmt::format("fsync directory '{}': {}", dir, std::strerror(err)));
}

std::string read_file_bytes(const std::string& path, const std::string& context) {
  const auto fail = [&](const std::string& why) {
    throw ValueError(fmt::format("{}: cannot read '{}' ({})", context, path, why));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail("not a regular file");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t at = 0;
  while (at < out.size()) {
    const ssize_t n = ::read(fd, out.data() + at, out.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "the file shrank while being read";
      ::close(fd);
      fail(why);
    }
    at += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

}  // namespace slope
