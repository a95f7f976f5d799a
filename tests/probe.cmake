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

# The file as the decoders read it (src/decode/source.c): random reads
# and seeks against the file's own bytes, a shrinking file, the stop past
# the end.
add_executable(test_source ${CMAKE_CURRENT_LIST_DIR}/test_source.c)
target_include_directories(test_source PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_source PRIVATE decodeparts)
add_test(NAME source COMMAND test_source)
set_tests_properties(source PROPERTIES TIMEOUT 60 LABELS unit)
