// SPDX-License-Identifier: MIT
// Tensor: an n-d array of float32 or float64 values. The only file that includes xtensor, so that a
// move to xtensor 0.26's include paths is one edit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

// NOTE: GCC 12 reports xsimd's AVX-512 intrinsics as uninitialised once inlined into our code;
// the warning is about the compiler's own headers, so it is silenced for them alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xtensor/xarray.hpp>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xeval.hpp>
#include <xtensor/xio.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xstrided_view.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#pragma GCC diagnostic pop

#include "allocator.hpp"

#ifdef XTENSOR_USE_XSIMD
// Tensor blocks are 64-byte aligned, so xsimd may use aligned loads and stores on them.
template <class T>
struct xsimd::allocator_alignment<slope::detail::TensorAllocator<T>> {
  using type = xsimd::aligned_mode;
};
#endif

namespace slope {

/// The element types a Tensor can hold: float32 for training speed, float64 for gradient checks.
enum class Dtype { float32, float64 };

/// A typed n-d array; its data lives in 64-byte aligned blocks recycled across training steps
/// (graph/allocator.hpp).
template <class T>
using Array = xt::xarray<T, xt::layout_type::row_major, detail::TensorAllocator<T>>;
/// A shape: a small vector of extents (no heap allocation up to 4 dimensions).
using Shape = Array<float>::shape_type;

/// Integer class labels, one per row (`y_i` in the lecture).
using Labels = std::vector<std::int64_t>;

const char* dtype_name(Dtype d);
/// "(2, 3)"; a scalar's shape is "()".
std::string shape_str(const Shape& shape);

/// The most elements a tensor may have: its bytes, at 8 per element, must fit in a ptrdiff_t.
constexpr std::size_t kMaxTensorElements = PTRDIFF_MAX / sizeof(double);
/// The element count of `shape`. Throws ShapeError "<who>: shape (4294967296, 4294967296) has too
/// many elements for memory ..." when the count overflows or exceeds kMaxTensorElements, so that a
/// shape is refused before anything is allocated for it. Inline: every op's result is counted.
inline std::size_t shape_size(const Shape& shape, const char* who = "shape");

template <class T>
constexpr Dtype dtype_of();
template <>
constexpr Dtype dtype_of<float>() {
  return Dtype::float32;
}
template <>
constexpr Dtype dtype_of<double>() {
  return Dtype::float64;
}

/// A value of one element type. Holds nothing until assigned (`empty()`), which is how a gradient
/// that was never written reads.
class Tensor {
 public:
  Tensor() = default;
  /// Takes the array; throws ShapeError when its shape's element count overflows.
  Tensor(Array<float> a) : data_(counted(a)) {}   // NOLINT(google-explicit-constructor)
  Tensor(Array<double> a) : data_(counted(a)) {}  // NOLINT(google-explicit-constructor)
  /// A copy of any xtensor container or expression of float or double (`xt::xarray<float>`,
  /// `xt::xtensor<double, 2>`, `xt::eye(3)`, `a + b`), of the same element type, row-major.
  template <class E>
  explicit Tensor(const xt::xexpression<E>& e);

  static Tensor zeros(const Shape& shape, Dtype dtype);
  static Tensor full(const Shape& shape, double value, Dtype dtype);
  static Tensor scalar(double value, Dtype dtype);
  /// Row-major values, converted to `dtype`; throws ShapeError when the counts differ.
  static Tensor from_vector(const std::vector<double>& values, const Shape& shape,
                            Dtype dtype = Dtype::float64);

  bool empty() const { return data_.index() == 0; }
  Dtype dtype() const;
  const Shape& shape() const;
  std::size_t size() const;
  std::size_t dim() const { return shape().size(); }

  /// The typed array; throws TypeError when the tensor holds the other type (or nothing).
  template <class T>
  Array<T>& get();
  template <class T>
  const Array<T>& get() const;
  template <class T>
  T* data() {
    return get<T>().data();
  }
  template <class T>
  const T* data() const {
    return get<T>().data();
  }

  /// Calls `f(array)` with the typed array (float or double).
  template <class F>
  decltype(auto) visit(F&& f);
  template <class F>
  decltype(auto) visit(F&& f) const;

  /// A copy as a plain `xt::xarray<T>` (T float or double), converted to T.
  template <class T>
  xt::xarray<T> to_xarray() const;
  /// A copy as a plain `xt::xtensor<T, N>`, converted to T; throws ShapeError unless dim() == N.
  template <class T, std::size_t N>
  xt::xtensor<T, N> to_xtensor() const;

  /// Element `i` of the row-major data, as double (slow; for tests and checkers). Throws
  /// ShapeError naming the index and the shape when i >= size().
  double flat(std::size_t i) const;
  void set_flat(std::size_t i, double v);
  /// The single value of a one-element tensor; throws ShapeError otherwise.
  double item() const;
  std::vector<double> to_vector() const;
  /// A copy in another element type (a plain copy when it is already that type).
  Tensor to(Dtype dtype) const;
  Tensor reshaped(const Shape& shape) const;

  Tensor& operator+=(const Tensor& other);

 private:
  // The array, moved on once its shape's count is known to fit (xtensor's own count may wrap).
  template <class T>
  static Array<T>&& counted(Array<T>& a) {
    shape_size(a.shape(), "tensor");
    return std::move(a);
  }

  std::variant<std::monostate, Array<float>, Array<double>> data_;
};

// ---- random tensors (fixed seeds make tests and runs reproducible) ----
Tensor randn(const Shape& shape, std::uint64_t seed, Dtype dtype = Dtype::float64,
             double stddev = 1.0);
Tensor uniform(const Shape& shape, double low, double high, std::uint64_t seed,
               Dtype dtype = Dtype::float64);

// ---- implementation of the templates ----
namespace detail {
[[noreturn]] void throw_wrong_dtype(Dtype wanted, const Tensor& t);
/// Throws ShapeError "<who>: expected a <dim>-D tensor, got shape (2, 3)".
void check_dim_is(const char* who, const Tensor& t, std::size_t dim);
[[noreturn]] void throw_too_many(const Shape& shape, const char* who);
}  // namespace detail

inline std::size_t shape_size(const Shape& shape, const char* who) {
  std::size_t n = 1;
  bool overflow = false;
  // NOTE: a zero extent makes the count 0 whatever the others, but an overflowing extent is still
  // refused: a later reshape or broadcast would otherwise multiply it.
  for (auto e : shape) overflow |= __builtin_mul_overflow(n, e, &n) || e > kMaxTensorElements;
  if (overflow || n > kMaxTensorElements) detail::throw_too_many(shape, who);
  return n;
}

template <class E>
Tensor::Tensor(const xt::xexpression<E>& e) {
  using T = typename E::value_type;
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "slope::Tensor holds float or double");
  const E& x = e.derived_cast();
  Shape shape(x.shape().begin(), x.shape().end());
  shape_size(shape, "tensor");  // before allocating
  Array<T> a(shape);
  a = x;
  data_ = std::move(a);
}
template <class T>
xt::xarray<T> Tensor::to_xarray() const {
  return visit([](const auto& a) { return xt::xarray<T>(xt::cast<T>(a)); });
}
template <class T, std::size_t N>
xt::xtensor<T, N> Tensor::to_xtensor() const {
  detail::check_dim_is("to_xtensor", *this, N);
  return visit([](const auto& a) { return xt::xtensor<T, N>(xt::cast<T>(a)); });
}

template <class T>
Array<T>& Tensor::get() {
  if (auto* a = std::get_if<Array<T>>(&data_)) return *a;
  detail::throw_wrong_dtype(dtype_of<T>(), *this);
}
template <class T>
const Array<T>& Tensor::get() const {
  if (auto* a = std::get_if<Array<T>>(&data_)) return *a;
  detail::throw_wrong_dtype(dtype_of<T>(), *this);
}
template <class F>
decltype(auto) Tensor::visit(F&& f) {
  if (data_.index() == 1) return f(std::get<1>(data_));
  return f(get<double>());
}
template <class F>
decltype(auto) Tensor::visit(F&& f) const {
  if (data_.index() == 1) return f(std::get<1>(data_));
  return f(get<double>());
}

}  // namespace slope
