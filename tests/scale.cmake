# The box downscale the window builds its texture with (src/image/scale.c):
# pure pixel arithmetic, no SDL. The test compiles scale.c itself.
add_executable(test_scale ${CMAKE_CURRENT_LIST_DIR}/test_scale.c
               ${PROJECT_SOURCE_DIR}/src/image/scale.c
               ${PROJECT_SOURCE_DIR}/src/image/mip.c)
target_include_directories(test_scale PRIVATE ${CMAKE_CURRENT_LIST_DIR}
                           ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(test_scale PRIVATE common m)
add_test(NAME scale COMMAND test_scale)
set_tests_properties(scale PROPERTIES TIMEOUT 120 LABELS unit)

# The same with the two-thread split off, to measure what it buys:
#   cmake --build build --target test_scale_1thread
#   build/tests/test_scale_1thread --bench; build/tests/test_scale --bench
add_executable(test_scale_1thread EXCLUDE_FROM_ALL
               ${CMAKE_CURRENT_LIST_DIR}/test_scale.c
               ${PROJECT_SOURCE_DIR}/src/image/scale.c
               ${PROJECT_SOURCE_DIR}/src/image/mip.c)
target_include_directories(test_scale_1thread PRIVATE
                           ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(test_scale_1thread PRIVATE
                           SCALE_SPLIT_BYTES=UINT64_MAX)
target_link_libraries(test_scale_1thread PRIVATE common m)

# What the window draws while it is resized (img_texture_resized): read
# back from the software renderer under the dummy driver.
add_executable(test_texture_resize
               ${CMAKE_CURRENT_LIST_DIR}/test_texture_resize.c)
target_include_directories(test_texture_resize PRIVATE
                           ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_texture_resize PRIVATE imgsdl)
add_test(NAME scale.texture_resize COMMAND test_texture_resize)
set_tests_properties(scale.texture_resize PROPERTIES TIMEOUT 120 LABELS unit
                     ENVIRONMENT SDL_VIDEODRIVER=dummy)
