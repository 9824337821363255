# tests/test_gradcheck_cli.cpp checks slope-gradcheck's library (tools/gradcheck_cli.cpp), with an
# op whose backward is wrong registered next to the built-ins.
target_link_libraries(test_gradcheck_cli PRIVATE slope::gradcheck_cli)
target_compile_definitions(test_gradcheck_cli PRIVATE SLOPE_TEST_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
