// SPDX-License-Identifier: MIT
// Runs a call in a forked child, optionally with its address space capped (RLIMIT_AS), and
// reports how it ended and how far its resident set grew: a test can then show that a call never
// allocates more than a bound, whatever it would otherwise have reserved or touched, and a crash
// or std::bad_alloc in the call fails the test instead of ending it.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <slope/slope.hpp>

namespace slope::test {

/// Whether this build runs under AddressSanitizer, whose shadow and quarantine make address-space
/// limits and resident-set figures meaningless.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif
#else
constexpr bool kUnderAsan = false;
#endif

/// How a call run by run_in_child ended.
struct ChildOutcome {
  std::string kind;                // "returned", "ValueError", "bad_alloc", "exception" or "died"
  std::string what;                // the exception's message, or how the child died
  long long peak_rss_growth = -1;  // bytes the resident set grew by at its peak; -1: unknown
};

namespace detail {
// A field of /proc/self/status in bytes (its lines read "VmHWM:   1234 kB"); -1 when absent.
inline long long status_bytes(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(f, line))
    if (line.compare(0, key.size(), key) == 0) return std::atoll(line.c_str() + key.size()) * 1024;
  return -1;
}
}  // namespace detail

/// Runs f() in a forked child. When `address_space_growth` > 0 (and not under AddressSanitizer)
/// the child's address space may grow by at most that many bytes, so that an allocation beyond
/// it throws std::bad_alloc. The peak resident-set growth is measured from a reset of the
/// kernel's high-water mark (/proc/self/clear_refs), -1 when that is not available.
template <class F>
ChildOutcome run_in_child(std::size_t address_space_growth, F f) {
  std::fflush(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return {"died", "pipe() failed", -1};
  const pid_t pid = ::fork();
  if (pid < 0) return {"died", "fork() failed", -1};
  if (pid == 0) {
    ::close(fds[0]);
    long long base = -1;
    {
      std::ofstream clear("/proc/self/clear_refs");
      clear << "5";  // resets VmHWM to the current resident set
      clear.flush();
      if (clear) base = detail::status_bytes("VmHWM");
    }
    if (address_space_growth > 0 && !kUnderAsan) {
      const long long size = detail::status_bytes("VmSize");
      const rlimit lim{static_cast<rlim_t>(size) + address_space_growth,
                       static_cast<rlim_t>(size) + address_space_growth};
      if (size < 0 || ::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(3);
    }
    std::string kind = "returned", what;
    try {
      f();
    } catch (const ValueError& e) {
      kind = "ValueError";
      what = e.what();
    } catch (const std::bad_alloc& e) {
      kind = "bad_alloc";
      what = e.what();
    } catch (const std::exception& e) {
      kind = "exception";
      what = e.what();
    }
    const long long peak = base < 0 ? -1 : detail::status_bytes("VmHWM") - base;
    const std::string report = kind + "\n" + std::to_string(peak) + "\n" + what;
    std::size_t at = 0;
    while (at < report.size()) {
      const ssize_t n = ::write(fds[1], report.data() + at, report.size() - at);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string report;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) report.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {"died",
            WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                : "exit status " + std::to_string(WEXITSTATUS(status)),
            -1};
  ChildOutcome out;
  const std::size_t a = report.find('\n'), b = report.find('\n', a + 1);
  out.kind = report.substr(0, a);
  out.peak_rss_growth = std::atoll(report.substr(a + 1, b - a - 1).c_str());
  out.what = report.substr(b + 1);
  return out;
}

/// How a write killed by kill_during_write ended.
struct KilledWrite {
  pid_t pid = -1;       // the child's, which names its temporary file
  bool paused = false;  // the write reached its middle (the marker appeared)
  bool killed = false;  // the child died of the SIGKILL
};

/// Runs before() and then write() in a forked child, write() with SLOPE_TEST_PAUSE_WRITE set to
/// `marker`, so that its atomic write pauses halfway and creates the marker (a write inside
/// before() does not pause); then kills the child with SIGKILL. The wait for
/// the marker is bounded (about a minute): a child that never gets there fails the test instead
/// of hanging it.
template <class Before, class Write>
KilledWrite kill_during_write(const std::string& marker, Before before, Write write) {
  std::fflush(nullptr);
  KilledWrite out;
  out.pid = ::fork();
  if (out.pid < 0) return out;
  if (out.pid == 0) {
    before();
    ::setenv("SLOPE_TEST_PAUSE_WRITE", marker.c_str(), 1);
    write();
    ::_exit(0);  // not reached: the write pauses until the kill
  }
  for (int i = 0; i < 6000 && !std::filesystem::exists(marker); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  out.paused = std::filesystem::exists(marker);
  ::kill(out.pid, SIGKILL);
  int status = 0;
  ::waitpid(out.pid, &status, 0);
  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  return out;
}

}  // namespace slope::test
