# The decoder helper (src/decode/shm-decode.c, src/decode/sandbox.c) and its parent
# (src/image/decoder.c): the sandbox seen from /proc and from forbidden calls,
# misbehaving helpers played by fake_decoder, decompression bombs and
# special files. One CTest test per case of tests/test_decoder.c; the test
# decoder.cases fails when this list and the program disagree.

add_executable(fake_decoder ${CMAKE_CURRENT_LIST_DIR}/fake_decoder.c)
target_link_libraries(fake_decoder PRIVATE shmcore)

add_executable(test_decoder ${CMAKE_CURRENT_LIST_DIR}/test_decoder.c)
target_link_libraries(test_decoder PRIVATE testutil)
add_dependencies(test_decoder shmimage shm-decode fake_decoder)
if(ASAN)
  target_compile_definitions(test_decoder PRIVATE DECODER_ASAN)
endif()

set(DECODER_FAKE_MODES honest crash crash-after hang linger exit3 exit0
    own-segment big bad-header resize two-fds filled-fd pipe big-reason over-limit
    huge-size keep-mapped brief-mapped)
set(_decoder_cases sandbox-status sandbox-no-namespaces sandbox-try-open
    sandbox-try-socket sandbox-try-execve sandbox-try-memfd
    sandbox-try-ftruncate sandbox-try-write sandbox-try-statpath
    sandbox-try-setown sandbox-try-lease sandbox-try-mapanon
    sandbox-try-connect bomb-png bomb-jpeg bomb-gif bomb-bmp bomb-qoi
    bomb-webp jpeg-sigterm fifo devzero rename-race growing inflight cpu-limit
    max-bytes-wrap)
foreach(_mode IN LISTS DECODER_FAKE_MODES)
  list(APPEND _decoder_cases fake-${_mode})
endforeach()
# Formats without a header probe are stopped by the helper's memory limit
# alone, which AddressSanitizer builds do without (see src/decode/sandbox.c):
# these cases exist only without it. So do libpng's crashers: a chunk that
# claims 1 GiB is refused when libpng cannot allocate it, and libpng clears
# what it allocates.
set(_decoder_memory_cases libpng-crashers bomb-tga bomb-tiff bomb-pnm bomb-pgm bomb-ico
    bomb-pcx bomb-pcx8 bomb-xcf tiff-tile tiff-samples jpeg-scans)

set(_decoder_args $<TARGET_FILE:shmimage> $<TARGET_FILE:shm-decode>
    $<TARGET_FILE:fake_decoder>)

add_test(NAME decoder.cases
         COMMAND test_decoder ${_decoder_args} --check ${_decoder_cases}
                 ${_decoder_memory_cases})
set_tests_properties(decoder.cases PROPERTIES TIMEOUT 10 LABELS "decoder")

if(NOT ASAN)
  list(APPEND _decoder_cases ${_decoder_memory_cases})
endif()
foreach(_case IN LISTS _decoder_cases)
  add_test(NAME decoder.${_case}
           COMMAND test_decoder ${_decoder_args} ${_case})
  set_tests_properties(decoder.${_case} PROPERTIES
    TIMEOUT 60 SKIP_RETURN_CODE 77 LABELS "decoder;multiprocess"
    ENVIRONMENT "SDL_VIDEODRIVER=dummy;DECODER_CRASHERS=${CMAKE_CURRENT_LIST_DIR}/data/libpng-crashers")
endforeach()
