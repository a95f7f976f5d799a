# The window on a real X server: the test starts its own Xvfb, two
# `sharedmemory` processes, drives them with xdotool (keys and a real
# mouse click) and compares `import` screenshots with the source images.
# Skipped with a reason when Xvfb, xdotool or import is missing, except
# in CI (CI set), where that fails. Screenshots of each step are kept in
# x11-shots/ of the build tree.

add_executable(test_x11 ${CMAKE_CURRENT_LIST_DIR}/test_x11.c)
target_include_directories(test_x11 PRIVATE ${CMAKE_CURRENT_LIST_DIR})
# `app` for the program's own layout and fit rule (ui_layout_compute,
# ui_fit_image): the test clicks where the real button is.
target_link_libraries(test_x11 PRIVATE app testutil)
# The windows find shm-decode next to themselves; the follow step runs
# `shmimage put`.
add_dependencies(test_x11 sharedmemory shmimage shm-decode)
add_test(NAME window.x11
         COMMAND test_x11 $<TARGET_FILE:sharedmemory>
                 ${CMAKE_BINARY_DIR}/x11-shots $<TARGET_FILE:shmimage>)
# The test's own watchdog (50 s) fires first and stops Xvfb; a normal run
# takes a few seconds.
set_tests_properties(window.x11 PROPERTIES
  TIMEOUT 60
  SKIP_RETURN_CODE 77)
