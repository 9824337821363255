// SPDX-License-Identifier: MIT
#include <vector>

#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "window2d.hpp"

namespace slope {

Variable avg_pool2d(const Variable& x, Size2 kernel, Size2 stride, Size2 padding) {
  const detail::Window2d win =
      detail::pool_window("avg_pool2d", x.shape(), kernel, stride, padding);
  const Shape out_shape{win.n, win.c, win.oh, win.ow};
  shape_size(out_shape, "avg_pool2d");  // before allocating
  // NOTE: padding counts as zeros (PyTorch's count_include_pad), so every window divides by KH KW.
  const double scale = 1.0 / static_cast<double>(kernel.h * kernel.w);
  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    using A = std::decay_t<decltype(xv)>;
    using T = typename A::value_type;
    A out(out_shape);
    const T* xp = xv.data();
    T* yp = out.data();
    detail::for_each_window(win, [&](std::size_t o, std::size_t plane, std::size_t r0,
                                     std::size_t r1, std::size_t c0, std::size_t c1) {
      double s = 0;
      for (std::size_t r = r0; r < r1; ++r)
        for (std::size_t c = c0; c < c1; ++c) s += xp[plane + r * win.w + c];
      yp[o] = static_cast<T>(s * scale);
    });
    return out;
  });
  return make_node(
      "avg_pool2d", std::move(y), {x},
      // why hand-written: g / (KH KW) spread over each window, with no temporary.
      [win, scale](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          T* d = detail::zeroed_grad_slot<T>(in[0]);
          const T* gp = gv.data();
          detail::for_each_window(win, [&](std::size_t o, std::size_t plane, std::size_t r0,
                                           std::size_t r1, std::size_t c0, std::size_t c1) {
            const T share = static_cast<T>(gp[o] * scale);
            for (std::size_t r = r0; r < r1; ++r)
              for (std::size_t c = c0; c < c1; ++c) d[plane + r * win.w + c] += share;
          });
        });
      },
      [kernel, stride, padding](const Inputs& in) {
        return avg_pool2d(in[0], kernel, stride, padding);
      });
}

Variable avg_pool2d(const Variable& x, Size2 kernel) { return avg_pool2d(x, kernel, kernel); }

namespace {
std::vector<OpCase> avg_pool2d_cases(std::uint64_t seed) {
  return {
      {"tiling",
       {randn({2, 3, 4, 6}, seed)},
       [](const Inputs& in) { return avg_pool2d(in[0], 2); }},
      {"stride1_overlap",
       {randn({2, 2, 4, 5}, seed + 1)},
       [](const Inputs& in) {
         return avg_pool2d(in[0], {2, 3}, 1);
       }},
      {"stride2_pad1",
       {randn({2, 2, 5, 4}, seed + 2)},
       [](const Inputs& in) { return avg_pool2d(in[0], 3, 2, 1); }},
  };
}
const OpRegistration kAvgPool2d("avg_pool2d", avg_pool2d_cases);
}  // namespace

}  // namespace slope
