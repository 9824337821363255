# Data parallelism over MPI (distributed/, docs/distributed.md), only with SLOPE_WITH_MPI: 1, 2 and
# 3 processes give bitwise the parameters of one process without MPI; a rank that fails stops
# every rank, with its message, within the timeout.
if(NOT SLOPE_WITH_MPI)
  return()
endif()
add_executable(dp_check ${CMAKE_CURRENT_SOURCE_DIR}/distributed/dp_check.cpp)
target_link_libraries(dp_check PRIVATE slope::distributed)
slope_warnings(dp_check)

# case: name|processes|expected exit (0 or "fail")|pattern|arguments...
foreach(case "bitwise_np1|1|0|adam: rank 0 of 1.*bitwise equal"
    "bitwise_np2|2|0|adam: rank 0 of 2.*bitwise equal"
    "bitwise_np3|3|0|adam: rank 0 of 3.*bitwise equal"
    "throw_np3|3|fail|rank 1 of 3 failed: dp_check: a planned failure in rank 1|--throw-rank|1"
    "abort_np3|3|fail|rank 1 of 3: dp_check: a planned failure outside|--abort-rank|1")
  string(REPLACE "|" ";" parts "${case}")
  list(POP_FRONT parts name np exit pattern)
  string(REPLACE ";" "|" args "${parts}")
  add_test(NAME distributed_${name} COMMAND ${CMAKE_COMMAND} "-DMPIEXEC=${MPIEXEC_EXECUTABLE}"
    -DNP=${np} -DPROGRAM=$<TARGET_FILE:dp_check> "-DARGS=${args}" -DEXIT=${exit}
    "-DMATCH=${pattern}" -P ${CMAKE_CURRENT_SOURCE_DIR}/distributed/expect_mpi.cmake)
  # slow: the sanitizer presets skip them (OpenMPI's own allocations would be reported as leaks).
  set_tests_properties(distributed_${name} PROPERTIES LABELS "mpi;slow" TIMEOUT 120
    ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
endforeach()

# A checkpoint written on WRITER processes (rank 0's Checkpoint callback) resumes on READER
# processes (0: alone, without MPI) to bitwise the uninterrupted run's parameters.
add_executable(dp_resume ${CMAKE_CURRENT_SOURCE_DIR}/distributed/dp_resume.cpp)
target_link_libraries(dp_resume PRIVATE slope::distributed)
slope_warnings(dp_resume)
# case: optimizer|writer|reader
foreach(case "sgd|2|0" "sgd|0|2" "adam|2|0" "adam|0|2" "adam|3|2")
  string(REPLACE "|" ";" parts "${case}")
  list(POP_FRONT parts kind writer reader)
  set(from np${writer})
  set(to np${reader})
  if(writer EQUAL 0)
    set(from local)
  endif()
  if(reader EQUAL 0)
    set(to local)
  endif()
  set(name distributed_resume_${kind}_${from}_to_${to})
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} "-DMPIEXEC=${MPIEXEC_EXECUTABLE}"
    -DPROGRAM=$<TARGET_FILE:dp_resume> -DKIND=${kind} -DWRITER=${writer} -DREADER=${reader}
    -DK=2 -DN=4 -DDIR=${CMAKE_CURRENT_BINARY_DIR}/${name}.d
    -P ${CMAKE_CURRENT_SOURCE_DIR}/distributed/cross_resume.cmake)
  set_tests_properties(${name} PROPERTIES LABELS "mpi;slow" TIMEOUT 180
    ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
endforeach()

# The one-process path, without mpirun.
slope_add_test(${CMAKE_CURRENT_SOURCE_DIR}/distributed/test_data_parallel.cpp)
target_link_libraries(test_data_parallel PRIVATE slope::distributed)
