# slope and NumPy read each other's .npy files (label "interop"): tests/npy_interop.py drives
# tests/npy_interop_main.cpp. Needs Debian's python3-numpy (scripts/setup.sh installs it).
find_program(SLOPE_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
add_executable(npy_interop_main npy_interop_main.cpp)
target_link_libraries(npy_interop_main PRIVATE slope::slope)
slope_warnings(npy_interop_main)
if(SLOPE_PYTHON3)
  add_test(NAME npy_interop
    COMMAND ${SLOPE_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/npy_interop.py
            $<TARGET_FILE:npy_interop_main> ${CMAKE_CURRENT_BINARY_DIR}/npy_interop)
  set_tests_properties(npy_interop PROPERTIES LABELS "interop" ENVIRONMENT "OPENBLAS_NUM_THREADS=1")
else()
  message(WARNING "slope: no /usr/bin/python3, so the npy_interop test is not run")
endif()
