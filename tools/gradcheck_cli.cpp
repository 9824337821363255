// SPDX-License-Identifier: MIT
#include "gradcheck_cli.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli.hpp"

namespace slope {

namespace {

constexpr const char* kTool = "slope-gradcheck";

double parse_number(const std::string& flag, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw ValueError(fmt::format("{}: {} needs a number, got '{}'", kTool, flag, text));
  return v;
}

std::uint64_t parse_count(const std::string& flag, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE)
    throw ValueError(
        fmt::format("{}: {} needs a non-negative integer, got '{}'", kTool, flag, text));
  return v;
}

// One selected op's cases, each checked; rows are appended to `all`.
struct Tally {
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::vector<std::string> failures;
};

void check_op(const OpInfo& op, const GradcheckCliOptions& o, GradcheckResult& all, Tally& t) {
  for (std::size_t rep = 0; rep < o.repeat; ++rep) {
    const std::uint64_t seed = o.seed + rep;
    std::vector<OpCase> cases;
    try {
      cases = op.cases(seed);
    } catch (const std::exception& e) {
      InputReport row;
      row.name = op.name;
      row.ok = false;
      row.note = fmt::format("its cases could not be made: {}", e.what());
      all.inputs.push_back(row);
      t.failures.push_back(fmt::format("{}: FAILED, {}", op.name, row.note));
      ++t.failed;
      continue;
    }
    for (const auto& c : cases) {
      const std::string name = o.repeat > 1 ? fmt::format("{}/{}#{}", op.name, c.label, rep)
                                            : fmt::format("{}/{}", op.name, c.label);
      bool ok = true;
      try {
        GradcheckResult r = gradcheck(c.apply, c.inputs, o.check, name);
        ok = r.ok;
        if (!ok) t.failures.push_back(r.summary());  // before the rows move out
        for (auto& row : r.inputs) {
          row.name = name + ": " + row.name;
          all.inputs.push_back(std::move(row));
        }
        for (auto& w : r.warnings) all.warnings.push_back(fmt::format("{}: {}", name, w));
        all.converted = all.converted || r.converted;
      } catch (const std::exception& e) {
        InputReport row;
        row.name = name;
        row.ok = false;
        row.note = fmt::format("threw {}", e.what());
        all.inputs.push_back(row);
        t.failures.push_back(fmt::format("{}: FAILED, threw {}", name, e.what()));
        ok = false;
      }
      ++(ok ? t.passed : t.failed);
    }
  }
}

std::string list_ops() {
  std::string out = fmt::format("{:<24} {:>5}  kinks\n", "op", "cases");
  for (const OpInfo* op : op_registry().all()) {
    std::string n = "?";
    try {
      n = fmt::format("{}", op->cases(0).size());
    } catch (const std::exception&) {
    }
    out += fmt::format("{:<24} {:>5}  {}\n", op->name, n, op->has_kinks ? "yes" : "no");
  }
  return out;
}

}  // namespace

namespace {

// The flags as CLI11 reads them. Values stay text until parse_gradcheck_cli converts them, so that
// every message names the flag and the value in the words the tests and users know.
struct RawFlags {
  std::vector<std::string> ops, load;
  std::string seed, repeat, h, rtol, atol, samples, scheme;
  bool list = false;
  bool kinks_fail = false;
};

std::unique_ptr<CLI::App> make_app(RawFlags& raw) {
  auto app = std::make_unique<CLI::App>(
      "Checks the gradients of every registered op (built-ins, ops registered by a program linked\n"
      "with slope, ops of --load libraries) over all of its registry cases, in float64, against\n"
      "finite differences. Prints one row per checked tensor and ends with the line\n"
      "'N passed, M failed' (op cases).\n"
      "Exit status: 0 when nothing failed, 1 when a case failed, 2 on bad usage.",
      kTool);
  // A flag given twice takes its last value; a stray word is kept, to be named as an unknown flag.
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->allow_extras();
  const auto each = CLI::MultiOptionPolicy::TakeAll;
  app->add_option("--op", raw.ops, "check this op only (repeatable; default: every op)")
      ->type_name("NAME")
      ->allow_extra_args(false)
      ->multi_option_policy(each);
  app->add_option("--load", raw.load,
                  "load this shared library first: its static OpRegistration objects add\n"
                  "its ops (repeatable)")
      ->type_name("LIB")
      ->allow_extra_args(false)
      ->multi_option_policy(each);
  app->add_option("--seed", raw.seed, "seed of the inputs and of sampled coordinates (default 42)")
      ->type_name("N");
  app->add_option("--repeat", raw.repeat,
                  "draw each op's cases R times, from seeds N, N+1, ... (default 1)")
      ->type_name("R");
  app->add_option("--h", raw.h, "finite-difference step (default: cbrt(eps) * max(1, |x|))")
      ->type_name("X");
  app->add_option("--rtol", raw.rtol, "relative tolerance (default 1e-06)")->type_name("X");
  app->add_option("--atol", raw.atol, "absolute tolerance (default 1e-09)")->type_name("X");
  app->add_option("--samples", raw.samples,
                  "check K random coordinates of tensors larger than K (0: all;\n"
                  "default: all coordinates up to 2000 elements, else 64)")
      ->type_name("K");
  app->add_option("--scheme", raw.scheme, "central (default) or forward differences")
      ->type_name("S");
  app->add_flag("--kinks-fail", raw.kinks_fail,
                "count coordinates on or across a kink as failures");
  app->add_flag("--list", raw.list, "list the registered ops and exit");
  app->footer(
      "A coordinate passes when |a - n| <= atol + rtol * max(|a|, |n|); one whose [x - h, x + h]\n"
      "crosses a kink passes when a lies between the one-sided slopes. See "
      "docs/gradient-checking.md.");
  return app;
}

}  // namespace

std::string gradcheck_cli_usage() {
  RawFlags raw;
  return make_app(raw)->help();
}

GradcheckCliOptions parse_gradcheck_cli(const std::vector<std::string>& args) {
  RawFlags raw;
  auto app = make_app(raw);
  GradcheckCliOptions o;
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    o.help = true;
    return o;
  } catch (const CLI::ArgumentMismatch& e) {
    // "--seed: 1 required N missing": the flag is the text before the colon.
    const std::string what = e.what();
    throw ValueError(
        fmt::format("{}: {} needs a value (see --help)", kTool, what.substr(0, what.find(':'))));
  } catch (const CLI::ParseError& e) {
    throw ValueError(fmt::format("{}: {} (see --help)", kTool, e.what()));
  }
  if (!app->remaining().empty())
    throw ValueError(
        fmt::format("{}: unknown flag '{}' (see --help)", kTool, app->remaining().front()));
  auto given = [&](const char* flag) { return app->count(flag) > 0; };

  o.ops = raw.ops;
  o.load = raw.load;
  o.list = raw.list;
  o.check.kinks_fail = raw.kinks_fail;
  if (given("--seed")) o.seed = parse_count("--seed", raw.seed);
  if (given("--repeat")) {
    o.repeat = parse_count("--repeat", raw.repeat);
    if (o.repeat == 0) throw ValueError(fmt::format("{}: --repeat must be at least 1", kTool));
  }
  if (given("--h")) {
    o.check.h = parse_number("--h", raw.h);
    if (!(o.check.h > 0))
      throw ValueError(fmt::format("{}: --h must be positive, got '{}'", kTool, raw.h));
  }
  auto tolerance = [&](const char* flag, const std::string& text, double& into) {
    if (!given(flag)) return;
    const double v = parse_number(flag, text);
    if (v < 0)
      throw ValueError(fmt::format("{}: {} must not be negative, got '{}'", kTool, flag, text));
    into = v;
  };
  tolerance("--rtol", raw.rtol, o.check.rtol);
  tolerance("--atol", raw.atol, o.check.atol);
  if (given("--samples")) {
    o.check.samples = parse_count("--samples", raw.samples);
    o.check.full_limit = o.check.samples;
  }
  if (given("--scheme")) {
    if (raw.scheme == "central")
      o.check.scheme = DiffScheme::central;
    else if (raw.scheme == "forward")
      o.check.scheme = DiffScheme::forward;
    else
      throw ValueError(
          fmt::format("{}: --scheme is central or forward, got '{}'", kTool, raw.scheme));
  }
  o.check.seed = o.seed;
  return o;
}

void load_op_library(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec))
    throw ValueError(fmt::format("{}: --load: no such file '{}'", kTool, path));
  // A name without '/' would make dlopen search the library path instead of opening this file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();
  if (!dlopen(file.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    const char* why = dlerror();
    throw ValueError(fmt::format("{}: --load: '{}' is not a shared library that can be loaded ({})",
                                 kTool, path, why ? why : "dlopen failed"));
  }
}

int gradcheck_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  GradcheckCliOptions o;
  try {
    o = parse_gradcheck_cli(args);
  } catch (const ValueError& e) {
    err << e.what() << "\n";
    return cli::kUsageError;
  }
  if (o.help) {
    out << gradcheck_cli_usage();
    return 0;
  }
  try {
    for (const auto& lib : o.load) load_op_library(lib);
  } catch (const ValueError& e) {
    err << e.what() << "\n";
    return cli::kUsageError;
  }
  if (o.list) {
    out << list_ops();
    return 0;
  }
  std::vector<const OpInfo*> selected;
  if (o.ops.empty()) selected = op_registry().all();
  for (const auto& name : o.ops) {
    const OpInfo* op = op_registry().find(name);
    if (!op) {
      std::vector<std::string> names;
      for (const OpInfo* known : op_registry().all()) names.push_back(known->name);
      err << fmt::format("{}: no op named '{}' (registered: {})\n", kTool, name,
                         fmt::join(names, ", "));
      return cli::kUsageError;
    }
    selected.push_back(op);
  }

  GradcheckResult all;
  std::vector<std::string> names;
  for (const OpInfo* op : selected) names.push_back(op->name);
  all.label =
      o.ops.empty()
          ? fmt::format("every registered op ({}), cases from seed {}", selected.size(), o.seed)
          : fmt::format("{} (cases from seed {})", fmt::join(names, ", "), o.seed);
  all.options = o.check;
  all.subject = "op/case: tensor";
  all.h_given = o.check.h > 0;
  all.h = all.h_given ? o.check.h : default_step_factor(o.check.scheme, Dtype::float64);
  Tally t;
  for (const OpInfo* op : selected) check_op(*op, o, all, t);
  all.ok = t.failed == 0;

  // The report without its one-line verdict, which the tally replaces.
  std::string report = all.report();
  report.erase(report.rfind(all.summary()));
  out << report;
  if (!t.failures.empty()) out << "failures:\n";
  for (const auto& f : t.failures) out << "  " << f << "\n";
  out << fmt::format(
      "checked {} op{}, {} tensors, {} coordinates; kinks: {} crossed, {} at a kink\n",
      selected.size(), selected.size() == 1 ? "" : "s", all.inputs.size(), all.checked(),
      all.kinks_crossed(), all.kinks_at());
  out << fmt::format("{} passed, {} failed\n", t.passed, t.failed);
  return t.failed == 0 ? 0 : 1;
}

}  // namespace slope
