# Runs `mpirun -np NP PROGRAM ARGS` on this machine's loopback and checks how it ends: exit 0, or
# with EXIT=fail any non-zero exit, within 60 s (a rank left waiting would hang), and MATCH in
# its output (stdout and stderr together).
#   cmake -DMPIEXEC=mpirun -DNP=3 -DPROGRAM=dp_check -DARGS="--throw-rank|1" -DEXIT=fail
#         -DMATCH="rank 1" -P expect_mpi.cmake
string(REPLACE "|" ";" args "${ARGS}")
# Shared memory and self only (no network interfaces needed in a container); no CMA single copy,
# which a container's ptrace rules may forbid.
set(ENV{OMPI_MCA_btl} "self,vader")
set(ENV{OMPI_MCA_btl_vader_single_copy_mechanism} "none")
execute_process(COMMAND ${MPIEXEC} --allow-run-as-root --oversubscribe -np ${NP} ${PROGRAM} ${args}
  TIMEOUT 60 RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
set(run "`mpirun -np ${NP} dp_check ${args}`")
if(status MATCHES "timeout")
  message(FATAL_ERROR "${run} did not end within 60 s\n${out}")
endif()
if(EXIT STREQUAL "fail" AND status EQUAL 0)
  message(FATAL_ERROR "${run} exited with 0, not with a failure\n${out}")
elseif(NOT EXIT STREQUAL "fail" AND NOT status EQUAL EXIT)
  message(FATAL_ERROR "${run} exited with ${status}, not ${EXIT}\n${out}")
endif()
if(NOT out MATCHES "${MATCH}")
  message(FATAL_ERROR "${run}: the output does not match '${MATCH}':\n${out}")
endif()
message(STATUS "${run} exited with ${status}; the output matches '${MATCH}'\n${out}")
