# cnn's --resume continues a run exactly: a straight 2-epoch --quick run (which saves a checkpoint
# after each epoch), then a second run resumed from the straight run's epoch-1 checkpoint, must
# print the same final training loss and test accuracy (deterministic with one BLAS thread).
#   cmake -DPROGRAM=path/cnn -DWORK=dir -P cnn_resume.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# Runs cnn with `args` (a list), must exit 0; sets `<var>` to its stdout.
function(run_cnn var)
  execute_process(COMMAND ${PROGRAM} ${ARGN} WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE status
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status STREQUAL "0")
    message(FATAL_ERROR "`cnn ${ARGN}` exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

# The lines compared: the final training loss and the test accuracy.
function(result_lines var text)
  string(REGEX MATCH "\ntrain loss [^\n]*" loss "${text}")
  string(REGEX MATCH "\ntest accuracy: [^\n]*" accuracy "${text}")
  if(loss STREQUAL "" OR accuracy STREQUAL "")
    message(FATAL_ERROR "no 'train loss' or 'test accuracy' line in:\n${text}")
  endif()
  set(${var} "${loss}${accuracy}" PARENT_SCOPE)
endfunction()

run_cnn(straight --quick --epochs 2 --out straight)
set(checkpoint "${WORK}/straight/cnn-checkpoints/epoch-0001.npz")
if(NOT EXISTS "${checkpoint}")
  message(FATAL_ERROR "the straight run did not write ${checkpoint}:\n${straight}")
endif()
run_cnn(resumed --quick --epochs 2 --resume "${checkpoint}" --out resumed)
if(NOT resumed MATCHES "resumed from [^\n]*epoch-0001.npz after epoch 1")
  message(FATAL_ERROR "the resumed run does not say it resumed:\n${resumed}")
endif()
# It trained epoch 2 only: its history has one row.
file(STRINGS "${WORK}/resumed/cnn.csv" rows)
list(LENGTH rows n)
if(NOT n EQUAL 2)
  message(FATAL_ERROR "resumed/cnn.csv has ${n} lines, expected a header and epoch 2's row")
endif()
result_lines(want "${straight}")
result_lines(got "${resumed}")
if(NOT want STREQUAL got)
  message(FATAL_ERROR "the resumed run ends differently:\nstraight:${want}\nresumed:${got}")
endif()
message(STATUS "resumed run ends as the straight one:${got}")
