# test_viz_png reads its files back with libpng itself, not with the writer under test.
target_link_libraries(test_viz_png PRIVATE PNG::PNG)
