// SPDX-License-Identifier: MIT
// A user's own checker: slope-gradcheck's command line (slope::gradcheck_cli) over the ops of the
// program, here those of my_ops.cpp compiled in. `check_my_ops --op softplus`, `--list`, `--help`.
#include <iostream>
#include <string>
#include <vector>

#include <slope/gradcheck_cli.hpp>

int main(int argc, char* argv[]) {
  return slope::gradcheck_cli(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                              std::cerr);
}
