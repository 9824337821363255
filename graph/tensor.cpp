// SPDX-License-Identifier: MIT
#include "tensor.hpp"

#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "errors.hpp"

namespace slope {

const char* dtype_name(Dtype d) { return d == Dtype::float32 ? "float32" : "float64"; }

std::string shape_str(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({})", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

namespace detail {
void throw_too_many(const Shape& shape, const char* who) {
  throw ShapeError(fmt::format(
      "{}: shape {} has too many elements for memory (the count overflows or exceeds {})", who,
      shape_str(shape), kMaxTensorElements));
}

void throw_wrong_dtype(Dtype wanted, const Tensor& t) {
  if (t.empty())
    throw TypeError(
        fmt::format("tensor: asked for {} data of an empty tensor", dtype_name(wanted)));
  throw TypeError(fmt::format("tensor: asked for {} data of a {} tensor of shape {}",
                              dtype_name(wanted), dtype_name(t.dtype()), shape_str(t.shape())));
}

void check_dim_is(const char* who, const Tensor& t, std::size_t dim) {
  if (t.dim() != dim)
    throw ShapeError(
        fmt::format("{}: expected a {}-D tensor, got shape {}", who, dim, shape_str(t.shape())));
}

namespace {
[[noreturn]] void throw_bad_index(const char* who, std::size_t i, const Tensor& t) {
  throw ShapeError(fmt::format("{}: index {} is out of range for shape {} ({} elements)", who, i,
                               shape_str(t.shape()), t.size()));
}
}  // namespace
}  // namespace detail

Dtype Tensor::dtype() const {
  if (data_.index() == 1) return Dtype::float32;
  if (data_.index() == 2) return Dtype::float64;
  throw TypeError("tensor: an empty tensor has no element type");
}

const Shape& Tensor::shape() const {
  static const Shape kNoShape{0};
  if (empty()) return kNoShape;
  return visit([](const auto& a) -> const Shape& { return a.shape(); });
}

std::size_t Tensor::size() const {
  if (empty()) return 0;
  return visit([](const auto& a) { return a.size(); });
}

Tensor Tensor::zeros(const Shape& shape, Dtype dtype) {
  shape_size(shape, "zeros");
  return full(shape, 0.0, dtype);
}

Tensor Tensor::full(const Shape& shape, double value, Dtype dtype) {
  shape_size(shape, "full");  // before allocating
  if (dtype == Dtype::float32) {
    Array<float> a(shape, static_cast<float>(value));
    return a;
  }
  Array<double> a(shape, value);
  return a;
}

Tensor Tensor::scalar(double value, Dtype dtype) { return full(Shape{}, value, dtype); }

Tensor Tensor::from_vector(const std::vector<double>& values, const Shape& shape, Dtype dtype) {
  if (values.size() != shape_size(shape, "from_vector"))
    throw ShapeError(fmt::format("from_vector: {} values do not fill shape {}", values.size(),
                                 shape_str(shape)));
  Tensor t = zeros(shape, dtype);
  for (std::size_t i = 0; i < values.size(); ++i) t.set_flat(i, values[i]);
  return t;
}

double Tensor::flat(std::size_t i) const {
  if (i >= size()) detail::throw_bad_index("flat", i, *this);
  return visit([i](const auto& a) { return static_cast<double>(a.data()[i]); });
}

void Tensor::set_flat(std::size_t i, double v) {
  if (i >= size()) detail::throw_bad_index("set_flat", i, *this);
  visit([i, v](auto& a) {
    a.data()[i] = static_cast<typename std::decay_t<decltype(a)>::value_type>(v);
  });
}

double Tensor::item() const {
  if (size() != 1)
    throw ShapeError(fmt::format("item: expected one element, got shape {}", shape_str(shape())));
  return flat(0);
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = flat(i);
  return out;
}

Tensor Tensor::to(Dtype dtype) const {
  return visit([dtype](const auto& a) -> Tensor {
    if (dtype == Dtype::float32) return Array<float>(xt::cast<float>(a));
    return Array<double>(xt::cast<double>(a));
  });
}

Tensor Tensor::reshaped(const Shape& shape) const {
  if (shape_size(shape, "reshape") != size())
    throw ShapeError(fmt::format("reshape: cannot view shape {} as shape {}",
                                 shape_str(this->shape()), shape_str(shape)));
  return visit([&shape](const auto& a) -> Tensor {
    auto copy = a;
    copy.reshape(shape);
    return copy;
  });
}

Tensor& Tensor::operator+=(const Tensor& other) {
  check_same_dtype("add_grad", "lhs", *this, "rhs", other);
  check_same_shape("add_grad", "lhs", shape(), "rhs", other.shape());
  visit([&other](auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;
    const T* src = other.data<T>();
    T* dst = a.data();
    const std::size_t n = a.size();
    for (std::size_t i = 0; i < n; ++i) dst[i] += src[i];
  });
  return *this;
}

Tensor randn(const Shape& shape, std::uint64_t seed, Dtype dtype, double stddev) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(0.0, stddev);
  shape_size(shape, "randn");
  Tensor t = Tensor::zeros(shape, dtype);
  for (std::size_t i = 0; i < t.size(); ++i) t.set_flat(i, dist(rng));
  return t;
}

Tensor uniform(const Shape& shape, double low, double high, std::uint64_t seed, Dtype dtype) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(low, high);
  shape_size(shape, "uniform");
  Tensor t = Tensor::zeros(shape, dtype);
  for (std::size_t i = 0; i < t.size(); ++i) t.set_flat(i, dist(rng));
  return t;
}

}  // namespace slope
