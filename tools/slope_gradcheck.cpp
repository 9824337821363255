// SPDX-License-Identifier: MIT
// slope-gradcheck: checks the gradients of every registered op. See --help.
#include <iostream>
#include <string>
#include <vector>

#include "gradcheck_cli.hpp"

int main(int argc, char* argv[]) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return slope::gradcheck_cli(args, std::cout, std::cerr);
}
