// SPDX-License-Identifier: MIT
// Memory: a long training loop keeps the resident set flat, and nothing in a graph outlives it.
#define BOOST_TEST_MODULE memory
#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "support/checks.hpp"

#if defined(__SANITIZE_ADDRESS__)
// ASan parks freed blocks in a 256 MB quarantine by default, which would make any loop look like
// a leak; a small quarantine keeps use-after-free detection and lets the resident set settle.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=4"; }
// NOTE: a Debug step costs ~90 us of CPU under ASan (measured: 9.5 s for 105,000 steps), so the
// sanitizer build runs fewer steps to stay near 3 s; LeakSanitizer checks every block anyway.
constexpr int kSteps = 30000;
#else
constexpr int kSteps = 100000;
#endif

using namespace slope;

namespace {
// The resident set size in kB, from /proc/self/status.
long rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = -1;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      break;
    }
    status.ignore(4096, '\n');
  }
  return value;
}

struct Model {
  Variable x{randn({4, 3}, 1)};
  Variable w{randn({3, 2}, 2), true};
  Variable b{randn({2}, 3), true};
  double step() {
    Variable loss = sum(relu(linear(x, w, b)));
    loss.backward();
    w.zero_grad();
    b.zero_grad();
    return loss.item();
  }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(memory)

BOOST_AUTO_TEST_CASE(a_long_training_loop_keeps_memory_flat) {
  constexpr int kWarmup = 5000;
  constexpr long kSlackKb = 1024;
  Model m;
  double total = 0;
  for (int i = 0; i < kWarmup; ++i) total += m.step();
  const long before = rss_kb();
  BOOST_TEST_REQUIRE(before > 0, "no VmRSS in /proc/self/status");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSteps; ++i) total += m.step();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long after = rss_kb();
  BOOST_TEST_MESSAGE(fmt::format("{} steps in {:.2f} s ({:.1f} us/step); VmRSS {} kB -> {} kB",
                                 kSteps, seconds, 1e6 * seconds / kSteps, before, after));
  BOOST_TEST(after - before <= kSlackKb,
             "VmRSS grew by " << after - before << " kB over " << kSteps << " steps");
  BOOST_TEST(std::isfinite(total));
}

BOOST_AUTO_TEST_CASE(a_hand_made_node_dies_with_its_graph) {
  Variable w(randn({2, 3}, 4), true);
  std::weak_ptr<Node> probe;
  {
    // An identity node built by hand, in the middle of a graph: w -> probe -> relu -> sum.
    auto node = std::make_shared<Node>();
    node->value = w.value();
    node->op = "probe";
    node->requires_grad = true;
    node->inputs = {w};
    node->backward = [](const Tensor& g, Inputs& in) { in[0].add_grad(g); };
    probe = node;
    Variable mid(std::move(node));
    Variable loss = sum(relu(mid));
    loss.backward(BackwardOptions{true});  // retained: the graph stays linked until dropped
    BOOST_TEST(!probe.expired());
  }
  BOOST_TEST(probe.expired());
  BOOST_TEST(w.has_grad());  // the leaf lives on with its gradient
}

BOOST_AUTO_TEST_CASE(nodes_made_by_ops_die_with_their_graph) {
  // A closure owns what it captures, and a node owns its closure until backward frees it: with a
  // retained graph the sentinel lives exactly as long as the node.
  Variable x(randn({3}, 5), true);
  std::weak_ptr<int> sentinel;
  {
    auto token = std::make_shared<int>(7);
    sentinel = token;
    Variable y = make_node("tracked", x.value(), {x},
                           [token](const Tensor& g, Inputs& in) { in[0].add_grad(g); });
    token.reset();
    Variable loss = sum(mul(y, y));
    loss.backward(BackwardOptions{true});
    BOOST_TEST(!sentinel.expired());
  }
  BOOST_TEST(sentinel.expired());
  {  // and without retain_graph, backward itself releases the closures
    auto token = std::make_shared<int>(8);
    sentinel = token;
    Variable y = make_node("tracked", x.value(), {x},
                           [token](const Tensor& g, Inputs& in) { in[0].add_grad(g); });
    token.reset();
    Variable loss = sum(y);
    loss.backward();
    BOOST_TEST(sentinel.expired());
  }
}

BOOST_AUTO_TEST_SUITE_END()
