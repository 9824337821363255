// SPDX-License-Identifier: MIT
// viz::write_png and viz::image_grid: files read back with libpng, pixel by pixel, and errors.
#define BOOST_TEST_MODULE viz_png
#include <cstdint>
#include <limits>
#include <png.h>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"
#include "support/temp_dir.hpp"
#include <slope/slope.hpp>

using slope::Tensor;
using slope::test::mentions;
using slope::viz::GridOptions;
using slope::viz::Image;
using slope::viz::image_grid;
using slope::viz::write_png;

namespace {

// The file as libpng decodes it, in the image's own format.
Image read_png(const std::string& path, std::size_t channels) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  BOOST_TEST_REQUIRE(png_image_begin_read_from_file(&png, path.c_str()) != 0);
  png.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image out;
  out.width = png.width;
  out.height = png.height;
  out.channels = channels;
  out.pixels.resize(PNG_IMAGE_SIZE(png));
  BOOST_TEST_REQUIRE(png_image_finish_read(&png, nullptr, out.pixels.data(), 0, nullptr) != 0);
  return out;
}

Image pattern(std::size_t width, std::size_t height, std::size_t channels) {
  Image im{width, height, channels, {}};
  for (std::size_t i = 0; i < width * height * channels; ++i)
    im.pixels.push_back(static_cast<std::uint8_t>((i * 37) % 256));
  return im;
}

}  // namespace

BOOST_AUTO_TEST_CASE(grey_and_rgb_images_read_back_unchanged) {
  const slope::test::TempDir tmp("viz_png");
  for (std::size_t channels : {1u, 3u}) {
    const Image im = pattern(7, 5, channels);
    const std::string path = tmp.path(fmt::format("im{}.png", channels));
    write_png(path, im);
    const Image back = read_png(path, channels);
    BOOST_TEST(back.width == 7u);
    BOOST_TEST(back.height == 5u);
    BOOST_TEST(back.pixels == im.pixels, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(bad_images_and_unwritable_files_name_the_file) {
  Image im = pattern(4, 4, 1);
  BOOST_CHECK_EXCEPTION(write_png("/nonexistent-dir/x.png", im), slope::ValueError,
                        mentions("/nonexistent-dir/x.png"));
  im.pixels.pop_back();
  BOOST_CHECK_EXCEPTION(write_png("short.png", im), slope::ValueError,
                        mentions("short.png", "15 pixel bytes", "4 x 4 x 1"));
  Image two = pattern(2, 2, 2);
  BOOST_CHECK_EXCEPTION(write_png("two.png", two), slope::ValueError, mentions("two.png", "2"));
  Image empty{0, 3, 1, {}};
  BOOST_CHECK_EXCEPTION(write_png("empty.png", empty), slope::ValueError,
                        mentions("empty.png", "0 x 3"));
}

BOOST_AUTO_TEST_CASE(grid_scales_each_image_on_its_own_with_gaps) {
  // Two 2x2 grey images: 0..3 and 10..40 both become 0, 85, 170, 255; a gap of 1, scale 2.
  const Tensor images =
      Tensor::from_vector({0, 1, 2, 3, 10, 20, 30, 40}, {2, 4}, slope::Dtype::float32);
  GridOptions o;
  o.gap = 1;
  o.scale = 2;
  o.background = 7;
  const Image grid = image_grid(images, 2, 2, 1, o);
  BOOST_TEST(grid.width == (2 * 2 + 1) * 2u);
  BOOST_TEST(grid.height == 2 * 2u);
  const slope::test::TempDir tmp("viz_png");
  write_png(tmp.path("grid.png"), grid);
  const Image back = read_png(tmp.path("grid.png"), 1);
  auto at = [&](std::size_t x, std::size_t y) { return back.pixels[y * back.width + x]; };
  const std::uint8_t levels[] = {0, 85, 170, 255};
  for (std::size_t image = 0; image < 2; ++image)
    for (std::size_t y = 0; y < 4; ++y)
      for (std::size_t x = 0; x < 4; ++x)
        BOOST_TEST(at(image * 6 + x, y) == levels[(y / 2) * 2 + x / 2]);
  for (std::size_t y = 0; y < 4; ++y) {  // the gap column, scaled
    BOOST_TEST(at(4, y) == 7);
    BOOST_TEST(at(5, y) == 7);
  }
}

BOOST_AUTO_TEST_CASE(grid_lays_out_rows_and_rgb_planes) {
  // Three 1x1 RGB images in rows of 2; image 1 is constant (mid grey); planes R, G, B.
  const Tensor images =
      Tensor::from_vector({0, 1, 2, 5, 5, 5, 3, 0, 0}, {3, 3}, slope::Dtype::float64);
  GridOptions o;
  o.columns = 2;
  o.gap = 1;
  o.background = 255;
  const Image grid = image_grid(images, 1, 1, 3, o);
  BOOST_TEST(grid.width == 3u);
  BOOST_TEST(grid.height == 3u);
  auto px = [&](std::size_t x, std::size_t y, std::size_t c) {
    return grid.pixels[(y * 3 + x) * 3 + c];
  };
  BOOST_TEST(px(0, 0, 0) == 0);
  BOOST_TEST(px(0, 0, 1) == 128);
  BOOST_TEST(px(0, 0, 2) == 255);
  BOOST_TEST(px(2, 0, 1) == 128);  // the constant image
  BOOST_TEST(px(0, 2, 0) == 255);  // the third image starts the second row
  BOOST_TEST(px(0, 2, 1) == 0);
  BOOST_TEST(px(2, 2, 0) == 255);  // no fourth image: background
  BOOST_TEST(px(1, 1, 2) == 255);
}

BOOST_AUTO_TEST_CASE(grid_refuses_bad_shapes_and_non_finite_images) {
  const Tensor images = Tensor::zeros({2, 4}, slope::Dtype::float32);
  BOOST_CHECK_EXCEPTION(image_grid(images, 3, 3), slope::ShapeError, mentions("9", "(2, 4)"));
  BOOST_CHECK_EXCEPTION(image_grid(images, 2, 2, 2), slope::ValueError, mentions("channels", "2"));
  GridOptions zero;
  zero.scale = 0;
  BOOST_CHECK_EXCEPTION(image_grid(images, 2, 2, 1, zero), slope::ValueError, mentions("scale 0"));
  Tensor nan = Tensor::zeros({2, 4}, slope::Dtype::float32);
  nan.set_flat(5, std::numeric_limits<double>::quiet_NaN());
  BOOST_CHECK_EXCEPTION(image_grid(nan, 2, 2), slope::ValueError, mentions("image 1", "NaN"));
}
