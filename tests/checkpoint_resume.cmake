# test_checkpoint_resume runs checkpoint_resume_main in a new process for the resumed half of each
# run: the helper's path is compiled in.
add_executable(checkpoint_resume_main checkpoint_resume_main.cpp)
target_link_libraries(checkpoint_resume_main PRIVATE slope::slope)
target_include_directories(checkpoint_resume_main PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
slope_warnings(checkpoint_resume_main)
add_dependencies(test_checkpoint_resume checkpoint_resume_main)
target_compile_definitions(test_checkpoint_resume
  PRIVATE SLOPE_CHECKPOINT_RESUME_MAIN="$<TARGET_FILE:checkpoint_resume_main>")
