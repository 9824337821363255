// SPDX-License-Identifier: MIT
// The op registry: pointers it hands out stay valid however many ops are added later, and ops may
// be added while other threads look them up and walk the table (run under ASan too).
#define BOOST_TEST_MODULE registry
#include <atomic>
#include <thread>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
OpInfo dummy(const std::string& name) {
  return OpInfo{name, [](std::uint64_t) { return std::vector<OpCase>{}; }, false};
}
}  // namespace

BOOST_AUTO_TEST_CASE(pointers_survive_later_adds) {
  OpRegistry r;
  r.add(dummy("first"));
  const OpInfo* first = r.find("first");
  const std::vector<const OpInfo*> walked = r.all();
  for (int i = 0; i < 1000; ++i) r.add(dummy(fmt::format("op{}", i)));
  BOOST_TEST(r.size() == 1001u);
  BOOST_TEST(first == r.find("first"));
  BOOST_TEST(first->name == "first");
  BOOST_TEST(walked.front()->name == "first");
  BOOST_TEST(r.find("op999")->name == "op999");
  BOOST_TEST(r.find("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(the_global_registry_too) {
  const OpInfo* relu = op_registry().find("relu");
  BOOST_REQUIRE(relu != nullptr);
  for (int i = 0; i < 200; ++i) op_registry().add(dummy(fmt::format("test_registry_op{}", i)));
  BOOST_TEST(relu->name == "relu");
  BOOST_TEST(relu == op_registry().find("relu"));
}

BOOST_AUTO_TEST_CASE(a_name_twice_is_refused) {
  OpRegistry r;
  r.add(dummy("twice"));
  BOOST_CHECK_EXCEPTION(r.add(dummy("twice")), ValueError, mentions("op_registry", "twice"));
  BOOST_TEST(r.size() == 1u);
}

BOOST_AUTO_TEST_CASE(adding_while_another_thread_walks) {
  OpRegistry r;
  r.add(dummy("base"));
  std::atomic<bool> done{false};
  std::size_t checked = 0;
  bool ok = true;
  std::thread walker([&] {
    while (!done.load()) {
      for (const OpInfo* op : r.all()) {
        ok = ok && !op->name.empty();
        ++checked;
      }
      ok = ok && r.find("base") != nullptr && r.find("base")->name == "base";
    }
  });
  std::thread adder([&] {
    for (int i = 0; i < 2000; ++i) r.add(dummy(fmt::format("concurrent{}", i)));
    done.store(true);
  });
  adder.join();
  walker.join();
  BOOST_TEST(ok);
  BOOST_TEST(checked > 0u);
  BOOST_TEST(r.size() == 2001u);
  BOOST_TEST(r.all().size() == 2001u);
}
