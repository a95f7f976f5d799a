# src/readers/reader.py, the contract read from Python, against the real owner
# (its output must match `shmimage get` pixel for pixel) and against every
# lying owner of hostile_peer (tests/hostile.cmake). Without python3 the
# tests skip (77), except in CI where that is a failure.
find_program(SHM_PYTHON3 python3)
add_executable(test_reader_py ${CMAKE_CURRENT_LIST_DIR}/test_reader_py.c)
target_link_libraries(test_reader_py PRIVATE testutil util)
add_dependencies(test_reader_py shmimage hostile_peer)

set(_reader_args $<TARGET_FILE:shmimage> ${PROJECT_SOURCE_DIR} ${SHM_PYTHON3}
                 $<TARGET_FILE:hostile_peer>)
add_test(NAME core.reader_py
         COMMAND test_reader_py ${_reader_args} same_pixels no_owner over_limit
                 deadline refusals help)
# Progress on a terminal: exports of 64 and 137 MiB of random bytes.
add_test(NAME core.reader_py.progress
         COMMAND test_reader_py ${_reader_args} progress)
add_test(NAME core.reader_py.hostile
         COMMAND test_reader_py ${_reader_args} hostile)
set_tests_properties(core.reader_py core.reader_py.hostile
                     core.reader_py.progress PROPERTIES
  TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS "multiprocess"
  ENVIRONMENT SDL_VIDEODRIVER=dummy)
