# Unit tests of the segment core: no processes, no SDL.
add_executable(test_segment ${CMAKE_CURRENT_SOURCE_DIR}/test_segment.c)
target_include_directories(test_segment PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_segment PRIVATE shmcore)
add_test(NAME segment COMMAND test_segment)
set_tests_properties(segment PROPERTIES TIMEOUT 30)

# Byte counts: the one parser and formatter both programs use.
add_executable(test_bytes ${CMAKE_CURRENT_SOURCE_DIR}/test_bytes.c)
target_include_directories(test_bytes PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_bytes PRIVATE imgdecoder)
add_test(NAME bytes COMMAND test_bytes)
set_tests_properties(bytes PROPERTIES TIMEOUT 30 LABELS unit)
