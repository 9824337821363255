# The installed package works for a separate project (label "install"): tests/consumer/run.sh.
# consumer_in_tree is the user's program built in-tree, whose output the installed builds match.
add_executable(consumer_in_tree ${CMAKE_CURRENT_SOURCE_DIR}/consumer/main.cpp)
target_link_libraries(consumer_in_tree PRIVATE slope::slope)
slope_warnings(consumer_in_tree)
add_test(NAME install_consumer
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run.sh ${CMAKE_BINARY_DIR}
    $<TARGET_FILE:consumer_in_tree>)
set_tests_properties(install_consumer PROPERTIES LABELS "install;slow")
