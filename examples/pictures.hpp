// SPDX-License-Identifier: MIT
// The examples' pictures: the columns of a weight matrix as images (PNG, the lecture's templates),
// and as SVG the training curves of a fit() history and the test set's confusion matrix.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <slope/slope.hpp>

namespace slope::examples {

/// The first `count` columns of `w` [D, K] (D at least channels * side * side; rows past those,
/// a bias row, are left out) as images of side x side pixels laid out as `grid` says, in a PNG.
inline void write_templates(const std::string& path, const Tensor& w, std::size_t side,
                            std::size_t channels, std::size_t count, const viz::GridOptions& grid) {
  const std::size_t pixels = channels * side * side, k = w.shape()[1];
  Tensor images = Tensor::zeros({count, pixels}, Dtype::float32);
  for (std::size_t c = 0; c < count; ++c)
    for (std::size_t i = 0; i < pixels; ++i) images.set_flat(c * pixels + i, w.flat(i * k + c));
  viz::write_png(path, viz::image_grid(images, side, side, channels, grid));
}

/// The training loss, the validation loss (left axis) and the validation accuracy (right axis)
/// per epoch of `history` (fit()'s logs: "loss", "val_loss", "val_accuracy"), as an SVG at `path`.
inline void write_curves(const std::string& path, const std::vector<Metrics>& history,
                         const std::string& title) {
  const auto series = [&](const char* name, const char* metric, bool right_axis) {
    viz::Series s;
    s.name = name;
    s.right_axis = right_axis;
    for (const Metrics& m : history) s.y.push_back(m.get(metric));
    return s;
  };
  viz::ChartOptions chart;
  chart.title = title;
  chart.x_label = "epoch";
  chart.y_label = "loss";
  chart.right_y_label = "accuracy";
  viz::line_chart(
      {series("training loss", "loss", false), series("validation loss", "val_loss", false),
       series("validation accuracy", "val_accuracy", true)},
      chart)
      .save(path);
}

/// The test set's confusion matrix (true class against the argmax of `scores` [N, C]) as an SVG
/// heat map at `path`, its classes named `names`.
inline void write_confusion(const std::string& path, const Tensor& scores, const Labels& y,
                            const std::vector<std::string>& names) {
  const nn::ConfusionMatrix cm = nn::confusion_matrix(nn::argmax(scores), y, names.size());
  viz::confusion_heatmap(cm.counts, names.size(), names, "test set: true vs predicted class")
      .save(path);
}

/// Where write_classifier_pictures() wrote, as absolute paths.
struct ClassifierPictures {
  std::string templates, curves, confusion;
};

/// A classifier's three pictures in `dir`: the first ten columns of `w` as templates.png (scaled
/// 3x), the curves of `history` as curves.svg, and the confusion matrix of `test_scores` against
/// `y` as confusion.svg.
inline ClassifierPictures write_classifier_pictures(const std::string& dir, const Tensor& w,
                                                    std::size_t side, std::size_t channels,
                                                    const std::vector<Metrics>& history,
                                                    const std::string& title,
                                                    const Tensor& test_scores, const Labels& y,
                                                    const std::vector<std::string>& names) {
  namespace fs = std::filesystem;
  const auto path = [&](const char* name) { return fs::absolute(fs::path(dir) / name).string(); };
  const ClassifierPictures p{path("templates.png"), path("curves.svg"), path("confusion.svg")};
  viz::GridOptions grid;
  grid.scale = 3;
  write_templates(p.templates, w, side, channels, 10, grid);
  write_curves(p.curves, history, title);
  write_confusion(p.confusion, test_scores, y, names);
  return p;
}

}  // namespace slope::examples
