# Runs one program and checks how it ends: its exit status and a pattern in one of its streams.
#   cmake -DPROGRAM=path -DARGS="--lr|-1" -DEXIT=2 -DSTREAM=stderr -DMATCH="--lr" -P expect_exit.cmake
# ARGS separates the arguments with '|' (a ';' would be split by add_test). With -DFRESH=DIR the
# program runs in DIR, emptied first (to see what it creates under its current directory).
string(REPLACE "|" ";" args "${ARGS}")
set(where "")
if(DEFINED FRESH)
  file(REMOVE_RECURSE "${FRESH}")
  file(MAKE_DIRECTORY "${FRESH}")
  set(where WORKING_DIRECTORY "${FRESH}")
endif()
execute_process(COMMAND ${PROGRAM} ${args} ${where} RESULT_VARIABLE status OUTPUT_VARIABLE stdout
  ERROR_VARIABLE stderr)
get_filename_component(name ${PROGRAM} NAME)
if(NOT status STREQUAL "${EXIT}")
  message(FATAL_ERROR "`${name} ${args}` exited with ${status}, not ${EXIT}\nstdout:\n${stdout}\n"
    "stderr:\n${stderr}")
endif()
if(NOT "${${STREAM}}" MATCHES "${MATCH}")
  message(FATAL_ERROR "`${name} ${args}`: ${STREAM} does not match '${MATCH}':\n${${STREAM}}")
endif()
message(STATUS "`${name} ${args}` exited with ${status}; ${STREAM} matches '${MATCH}'")
