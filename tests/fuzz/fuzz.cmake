# libFuzzer targets (issue 5), built only with -DFUZZ=ON and clang:
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFUZZ=ON
#   tests/fuzz/run.sh 60          (builds, then fuzzes each target 60 s)
# The library sources are compiled into each target with the fuzzer's
# coverage instrumentation and ASan + UBSan. The CTest tests below replay
# the committed corpus (every seed and every past crash) and fuzz briefly.

if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "FUZZ=ON needs clang: configure with "
                      "-DCMAKE_C_COMPILER=clang")
endif()

set(_fuzz_flags -fsanitize=fuzzer,address,undefined
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

add_executable(fuzz_segment
  ${CMAKE_CURRENT_LIST_DIR}/fuzz_segment.c
  ${PROJECT_SOURCE_DIR}/src/shm/segment.c
  ${PROJECT_SOURCE_DIR}/src/common/bytes.c
  ${PROJECT_SOURCE_DIR}/src/common/err.c)

add_executable(fuzz_dirlist
  ${CMAKE_CURRENT_LIST_DIR}/fuzz_dirlist.c
  ${PROJECT_SOURCE_DIR}/src/app/dirlist.c
  ${PROJECT_SOURCE_DIR}/src/common/bytes.c
  ${PROJECT_SOURCE_DIR}/src/common/err.c)

foreach(_t fuzz_segment fuzz_dirlist)
  target_include_directories(${_t} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${_t} PRIVATE ${_fuzz_flags})
  target_link_options(${_t} PRIVATE ${_fuzz_flags})
  target_link_libraries(${_t} PRIVATE Threads::Threads)
endforeach()

foreach(_name segment dirlist)
  # Every committed input once: seeds and regressions (a past crash that
  # comes back fails here).
  add_test(NAME fuzz.${_name}.corpus
           COMMAND fuzz_${_name} -runs=0
                   ${CMAKE_CURRENT_LIST_DIR}/corpus/${_name})
  # A short run from the corpus; new inputs go to a scratch folder, never
  # into the source tree.
  add_test(NAME fuzz.${_name}.run
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run-one.sh
                   $<TARGET_FILE:fuzz_${_name}>
                   ${CMAKE_CURRENT_LIST_DIR}/corpus/${_name}
                   ${CMAKE_CURRENT_BINARY_DIR}/fuzz-${_name} 20)
  set_tests_properties(fuzz.${_name}.corpus fuzz.${_name}.run PROPERTIES
    TIMEOUT 120 LABELS fuzz)
endforeach()
