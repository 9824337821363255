# A checkpoint written with WRITER processes resumes with READER processes bit for bit (0: one
# process without MPI, --local): dp_resume's N-epoch run uninterrupted, alone, against K epochs
# written (rank 0's Checkpoint) then resumed from epoch-000K.npz to epoch N. Exits non-zero
# unless the hashes of the final parameters are equal, and differ from the interrupted run's.
#   cmake -DMPIEXEC=mpirun -DPROGRAM=dp_resume -DKIND=adam -DWRITER=2 -DREADER=0 -DK=2 -DN=4
#         -DDIR=/tmp/x -P cross_resume.cmake
# As expect_mpi.cmake: shared memory and self only, no CMA single copy.
set(ENV{OMPI_MCA_btl} "self,vader")
set(ENV{OMPI_MCA_btl_vader_single_copy_mechanism} "none")

# Runs dp_resume on `np` processes with the arguments after it; its parameters' hash in `hash`.
function(dp_resume np hash)
  string(REPLACE ";" " " args "${ARGN}")
  if(np EQUAL 0)
    set(command ${PROGRAM} --local ${ARGN})
    set(shown "dp_resume --local ${args}")
  else()
    set(command ${MPIEXEC} --allow-run-as-root --oversubscribe -np ${np} ${PROGRAM} ${ARGN})
    set(shown "mpirun -np ${np} dp_resume ${args}")
  endif()
  execute_process(COMMAND ${command} TIMEOUT 60 RESULT_VARIABLE status OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "`${shown}` exited with ${status}\n${out}")
  endif()
  if(NOT out MATCHES "parameters ([0-9a-f]+)")
    message(FATAL_ERROR "`${shown}` printed no hash\n${out}")
  endif()
  set(${hash} ${CMAKE_MATCH_1} PARENT_SCOPE)
  message(STATUS "`${shown}`: ${out}")
endfunction()

file(REMOVE_RECURSE ${DIR})
dp_resume(0 whole ${KIND} full ${N})
dp_resume(${WRITER} stopped ${KIND} train ${DIR} ${K} ${N})
string(LENGTH "${K}" digits)
math(EXPR start "${digits} - 1")
set(name "000${K}")
string(SUBSTRING "${name}" ${start} 4 name)  # epoch-0002.npz (K < 10000)
if(NOT EXISTS ${DIR}/epoch-${name}.npz)
  message(FATAL_ERROR "no checkpoint ${DIR}/epoch-${name}.npz after ${K} epochs")
endif()
dp_resume(${READER} resumed ${KIND} resume ${DIR}/epoch-${name}.npz ${N})
file(REMOVE_RECURSE ${DIR})
if(stopped STREQUAL whole)
  message(FATAL_ERROR "the run stopped after ${K} epochs has the ${N}-epoch run's parameters")
endif()
if(NOT resumed STREQUAL whole)
  message(FATAL_ERROR
    "resumed (written on ${WRITER}, read on ${READER}): ${resumed}; uninterrupted: ${whole}")
endif()
message(STATUS "written on ${WRITER}, resumed on ${READER}: ${resumed}, bitwise the uninterrupted run")
