// SPDX-License-Identifier: MIT
#include "zip.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <zip.h>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

[[noreturn]] void fail(const std::string& context, const std::string& what) {
  throw ValueError(fmt::format("{}: {}", context, what));
}

struct SourceFree {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};
struct ArchiveDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using Source = std::unique_ptr<zip_source_t, SourceFree>;
using Archive = std::unique_ptr<zip_t, ArchiveDiscard>;
using File = std::unique_ptr<zip_file_t, FileClose>;

// zip_open_from_source takes the source only when it succeeds: an extra reference keeps it ours
// either way (the writer reads the archive back from it after zip_close).
Archive open_archive(zip_source_t* src, int flags, const std::string& context) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_keep(src);
  zip_t* z = zip_open_from_source(src, flags, &error);
  if (!z) {
    zip_source_free(src);  // the reference kept for zip_open_from_source
    const bool repeated = zip_error_code_zip(&error) == ZIP_ER_EXISTS;
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    fail(context, repeated ? "is not a valid zip archive: an entry name is repeated"
                           : fmt::format("is not a valid zip archive ({})", why));
  }
  zip_error_fini(&error);
  return Archive(z);
}

Source buffer_source(const void* data, std::size_t size, const std::string& context) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(data, size, 0, &error);
  if (!src) {
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    fail(context, fmt::format("libzip cannot make a buffer ({})", why));
  }
  zip_error_fini(&error);
  return Source(src);
}

// The DOS date of 1980-01-01 (day 1, month 1, year 1980 + 0), midnight.
constexpr std::uint16_t kDosDate = (1 << 5) | 1;

}  // namespace

std::string write_zip(const std::vector<ZipEntry>& entries, const std::string& context) {
  std::set<std::string> names;
  for (const ZipEntry& e : entries) {
    if (e.name.empty()) fail(context, "an entry has an empty name");
    if (!names.insert(e.name).second) fail(context, fmt::format("entry '{}' is repeated", e.name));
  }
  Source src = buffer_source(nullptr, 0, context);
  Archive z = open_archive(src.get(), ZIP_TRUNCATE, context);
  const auto libzip_fail = [&](const std::string& what) {
    fail(context, fmt::format("{} ({})", what, zip_strerror(z.get())));
  };
  for (const ZipEntry& e : entries) {
    // NOTE: the entry's bytes stay ours (freep 0) and alive until zip_close reads them.
    zip_source_t* data = zip_source_buffer(z.get(), e.bytes.data(), e.bytes.size(), 0);
    if (!data) libzip_fail(fmt::format("cannot add entry '{}'", e.name));
    const zip_int64_t index = zip_file_add(z.get(), e.name.c_str(), data, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(data);
      libzip_fail(fmt::format("cannot add entry '{}'", e.name));
    }
    const auto i = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(z.get(), i, e.compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_dostime(z.get(), i, 0, kDosDate, 0) != 0)
      libzip_fail(fmt::format("cannot set entry '{}'", e.name));
  }
  if (zip_close(z.get()) != 0) libzip_fail("cannot write the archive");
  (void)z.release();  // closed by zip_close: nothing left to discard

  zip_source_t* s = src.get();
  if (zip_source_open(s) != 0) fail(context, "cannot read the archive back");
  std::string out;
  char buf[1 << 16];
  zip_int64_t n;
  while ((n = zip_source_read(s, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  zip_source_close(s);
  if (n < 0) fail(context, "cannot read the archive back");
  return out;
}

std::vector<ZipEntry> read_zip(const std::string& bytes, const std::string& context) {
  // NOTE: libzip opens no bytes at all as an archive without entries: a file is never that.
  if (bytes.empty()) fail(context, "is empty, not a zip archive");
  Source src = buffer_source(bytes.data(), bytes.size(), context);
  Archive z = open_archive(src.get(), ZIP_RDONLY | ZIP_CHECKCONS, context);
  const zip_int64_t count = zip_get_num_entries(z.get(), 0);
  if (count < 0) fail(context, "is not a zip archive (no entry count)");
  std::vector<ZipEntry> out;
  std::set<std::string> names;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !st.name)
      fail(context, fmt::format("entry {} cannot be read ({})", i, zip_strerror(z.get())));
    ZipEntry e;
    e.name = st.name;
    const auto entry_fail = [&](const std::string& what) {
      fail(context, fmt::format("entry '{}' {}", e.name, what));
    };
    if (!names.insert(e.name).second) entry_fail("is repeated");
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if ((st.valid & need) != need) entry_fail("has no sizes");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      entry_fail("is encrypted");
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
      entry_fail(fmt::format("uses compression method {} (store or deflate only)", st.comp_method));
    e.compress = st.comp_method == ZIP_CM_DEFLATE;
    if (st.comp_size > bytes.size())
      entry_fail(fmt::format("claims {} compressed bytes in an archive of {}", st.comp_size,
                             bytes.size()));
    const zip_uint64_t bound = e.compress ? st.comp_size * kZipMaxExpansion : st.comp_size;
    if (st.size > bound)
      entry_fail(fmt::format("claims {} bytes from {} compressed (at most {})", st.size,
                             st.comp_size, bound));
    File f(zip_fopen_index(z.get(), i, 0));
    if (!f) entry_fail(fmt::format("cannot be opened ({})", zip_strerror(z.get())));
    // Read to the end: libzip checks the CRC on the read that finds the end. The string grows
    // with what really comes out, never past the claimed size.
    char buf[1 << 16];
    for (;;) {
      const zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
      if (n < 0) entry_fail(fmt::format("is corrupt ({})", zip_file_strerror(f.get())));
      if (n == 0) break;
      if (e.bytes.size() + static_cast<std::size_t>(n) > st.size)
        entry_fail(fmt::format("holds more than the {} bytes it claims", st.size));
      e.bytes.append(buf, static_cast<std::size_t>(n));
    }
    if (e.bytes.size() != st.size)
      entry_fail(fmt::format("holds {} bytes, not the {} it claims", e.bytes.size(), st.size));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace slope
