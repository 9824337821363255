// SPDX-License-Identifier: MIT
#include "gradcheck_cli.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

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

std::string gradcheck_cli_usage() {
  return fmt::format(
      "usage: {} [flags]\n"
      "Checks the gradients of every registered op (built-ins, and ops registered by a program\n"
      "linked with slope) over all of its registry cases, in float64, against finite differences.\n"
      "Prints one row per checked tensor and ends with the line 'N passed, M failed' (op cases).\n"
      "Exit status: 0 when nothing failed, 1 when a case failed, 2 on bad usage.\n"
      "\n"
      "  --op NAME           check this op only (repeatable; default: every op)\n"
      "  --seed N            seed of the inputs and of sampled coordinates (default 42)\n"
      "  --repeat R          draw each op's cases R times, from seeds N, N+1, ... (default 1)\n"
      "  --h X               finite-difference step (default: cbrt(eps) * max(1, |x|))\n"
      "  --rtol X            relative tolerance (default 1e-06)\n"
      "  --atol X            absolute tolerance (default 1e-09)\n"
      "  --samples K         check K random coordinates of tensors larger than K (0: all;\n"
      "                      default: all coordinates up to 2000 elements, else 64)\n"
      "  --scheme S          central (default) or forward differences\n"
      "  --kinks-fail        count coordinates on or across a kink as failures\n"
      "  --list              list the registered ops and exit\n"
      "  --help              print this and exit\n"
      "\n"
      "A coordinate passes when |a - n| <= atol + rtol * max(|a|, |n|); one whose [x - h, x + h]\n"
      "crosses a kink passes when a lies between the one-sided slopes. See "
      "docs/gradient-checking.md.\n",
      kTool);
}

GradcheckCliOptions parse_gradcheck_cli(const std::vector<std::string>& args) {
  GradcheckCliOptions o;
  o.check.seed = o.seed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool has_value = false;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size())
        throw ValueError(fmt::format("{}: {} needs a value (see --help)", kTool, flag));
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else if (flag == "--list") {
      o.list = true;
    } else if (flag == "--kinks-fail") {
      o.check.kinks_fail = true;
    } else if (flag == "--op") {
      o.ops.push_back(next());
    } else if (flag == "--seed") {
      o.seed = parse_count(flag, next());
    } else if (flag == "--repeat") {
      o.repeat = parse_count(flag, next());
      if (o.repeat == 0) throw ValueError(fmt::format("{}: --repeat must be at least 1", kTool));
    } else if (flag == "--h") {
      const std::string text = next();
      o.check.h = parse_number(flag, text);
      if (!(o.check.h > 0))
        throw ValueError(fmt::format("{}: --h must be positive, got '{}'", kTool, text));
    } else if (flag == "--rtol" || flag == "--atol") {
      const std::string text = next();
      const double v = parse_number(flag, text);
      if (v < 0)
        throw ValueError(fmt::format("{}: {} must not be negative, got '{}'", kTool, flag, text));
      (flag == "--rtol" ? o.check.rtol : o.check.atol) = v;
    } else if (flag == "--samples") {
      o.check.samples = parse_count(flag, next());
      o.check.full_limit = o.check.samples;
    } else if (flag == "--scheme") {
      const std::string s = next();
      if (s == "central")
        o.check.scheme = DiffScheme::central;
      else if (s == "forward")
        o.check.scheme = DiffScheme::forward;
      else
        throw ValueError(fmt::format("{}: --scheme is central or forward, got '{}'", kTool, s));
    } else {
      throw ValueError(fmt::format("{}: unknown flag '{}' (see --help)", kTool, args[i]));
    }
  }
  o.check.seed = o.seed;
  return o;
}

int gradcheck_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  GradcheckCliOptions o;
  try {
    o = parse_gradcheck_cli(args);
  } catch (const ValueError& e) {
    err << e.what() << "\n";
    return 2;
  }
  if (o.help) {
    out << gradcheck_cli_usage();
    return 0;
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
      return 2;
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
