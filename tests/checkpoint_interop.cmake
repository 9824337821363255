# slope and NumPy read each other's checkpoints (label "interop"): tests/checkpoint_interop.py
# drives tests/checkpoint_interop_main.cpp. Needs Debian's python3-numpy.
find_program(SLOPE_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
add_executable(checkpoint_interop_main checkpoint_interop_main.cpp)
target_link_libraries(checkpoint_interop_main PRIVATE slope::slope)
slope_warnings(checkpoint_interop_main)
if(SLOPE_PYTHON3)
  add_test(NAME checkpoint_interop
    COMMAND ${SLOPE_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/checkpoint_interop.py
            $<TARGET_FILE:checkpoint_interop_main> ${CMAKE_CURRENT_BINARY_DIR}/checkpoint_interop)
  set_tests_properties(checkpoint_interop PROPERTIES LABELS "interop"
                       ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
else()
  message(WARNING "slope: no /usr/bin/python3, so the checkpoint_interop test is not run")
endif()
