# Image header probe (src/decode/probe.c) against SDL_image itself: the
# fixtures in tests/data/formats (made by tests/data/make-fixtures.sh),
# decompression bombs and truncated headers written at run time.
add_executable(test_probe ${CMAKE_CURRENT_LIST_DIR}/test_probe.c)
target_include_directories(test_probe PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_probe PRIVATE decodeparts testutil
                      PkgConfig::SDL2_IMAGE)
add_test(NAME probe
         COMMAND test_probe ${CMAKE_CURRENT_LIST_DIR}/data/formats)
set_tests_properties(probe PROPERTIES
  TIMEOUT 120
  SKIP_RETURN_CODE 77
  ENVIRONMENT "SDL_VIDEODRIVER=dummy")
