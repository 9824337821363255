// SPDX-License-Identifier: MIT
// Whole-file writes that are atomic and durable, and the matching whole-file read. A checkpoint is
// either the old file or the new one, never half of each, even when the process is killed or the
// machine loses power mid-save.
#pragma once

#include <string>

namespace slope {

/// Writes `bytes` to a new file beside `path` ("<path>.tmp-<pid>-<n>", same directory, so the
/// rename cannot cross file systems), fsyncs it, renames it over `path` and fsyncs the directory.
/// Throws ValueError "write_file_atomic: cannot write '<path>' (<reason>)"; the temporary is
/// removed then. A process killed mid-write leaves `path` as it was (and a stale temporary).
///
/// Test hook: when the environment variable SLOPE_TEST_PAUSE_WRITE names a file, the write stops
/// after half the bytes, creates that file and sleeps until the process is killed.
void write_file_atomic(const std::string& path, const std::string& bytes);

/// The bytes of the regular file `path`. Throws ValueError "<context>: cannot read '<path>'
/// (<reason>)".
std::string read_file_bytes(const std::string& path, const std::string& context);

}  // namespace slope
