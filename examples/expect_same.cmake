# Runs two or three command lines one after another in a fresh directory; each must exit 0, and the
# lines of the last that match LINES must be those of the first, and be there (the same final loss
# and accuracy after a resume, or under mpirun with another number of processes).
#   cmake -DDIR=dir -DRUN1="prog|--quick" -DRUN2="prog|--quick|--stop-after|1"
#         -DRUN3="prog|--quick|--resume|x.npz" -DMATCH3="resumed" -DLINES="^(final loss|test accuracy):"
#         -P expect_same.cmake
# Each RUNn separates its arguments with '|' (a ';' would be split by add_test); MATCHn, when set,
# is a pattern RUNn's output must hold (that the run did resume, say).
cmake_policy(SET CMP0007 NEW)  # list() keeps empty elements
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
set(runs RUN1 RUN2)
if(DEFINED RUN3)
  list(APPEND runs RUN3)
endif()
set(first "")
foreach(run ${runs})
  string(REPLACE "|" ";" command "${${run}}")
  execute_process(COMMAND ${command} WORKING_DIRECTORY "${DIR}" RESULT_VARIABLE status
    OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  string(REPLACE ";" " " shown "${command}")
  if(NOT status STREQUAL "0")
    message(FATAL_ERROR "`${shown}` exited with ${status}\nstdout:\n${stdout}\nstderr:\n${stderr}")
  endif()
  message(STATUS "`${shown}`:\n${stdout}")
  string(REPLACE RUN MATCH match ${run})
  if(DEFINED ${match} AND NOT stdout MATCHES "${${match}}")
    message(FATAL_ERROR "`${shown}`: the output does not match '${${match}}'")
  endif()
  # One list element per line: first away with what a CMake list would split or join on.
  string(REGEX REPLACE "[][;\\]" "_" lines "${stdout}")
  string(REPLACE "\n" ";" lines "${lines}")
  list(FILTER lines INCLUDE REGEX "${LINES}")
  if(lines STREQUAL "")
    message(FATAL_ERROR "`${shown}` printed no line matching '${LINES}'")
  endif()
  if(first STREQUAL "")
    set(first "${lines}")
    set(first_shown "${shown}")
  endif()
endforeach()
if(NOT lines STREQUAL first)
  message(FATAL_ERROR "`${shown}` printed\n  ${lines}\nbut `${first_shown}` printed\n  ${first}")
endif()
message(STATUS "the same lines: ${lines}")
