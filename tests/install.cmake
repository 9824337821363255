# The installed package works for a separate project (label "install").
add_test(NAME install_consumer
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run.sh ${CMAKE_BINARY_DIR})
set_tests_properties(install_consumer PROPERTIES LABELS "install;slow")
