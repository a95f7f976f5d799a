# Hostile peers, faults, fuzzing (issue 5; contract version 2). hostile_peer
# plays a lying owner or a rude client; test_hostile judges the honest side
# against each of its modes (one CTest test per mode, so a failure names
# the mode); test_faults kills owners mid-load, soaks attach and load
# cycles and runs out of fds, address space and memfds.

add_executable(hostile_peer ${CMAKE_CURRENT_LIST_DIR}/hostile_peer.c)
target_link_libraries(hostile_peer PRIVATE shmcore)

add_executable(test_hostile ${CMAKE_CURRENT_LIST_DIR}/test_hostile.c)
target_link_libraries(test_hostile PRIVATE testutil)
# With the window's library, each owner mode is also shown to the window,
# through M and through --follow (its own event loop, dummy video driver).
target_link_libraries(test_hostile PRIVATE app)
add_dependencies(test_hostile shm-decode)

# Every owner mode of hostile_peer, then the client modes. The test
# hostile.modes fails when this list, hostile_peer and test_hostile.c
# disagree.
set(HOSTILE_MODES
  pipe file tmpfs-file memfd-unsealed memfd-shrink seal-grow-only
  no-write-seal future-write hugetlb readonly-fd honest-wide pitch-65536
  over-limit no-fd close-at-once two-fds ctrunc bad-magic bad-version
  v1-header unknown-flags header-small header-unaligned header-beyond
  zero-width zero-height wide tall pitch-small pitch-unaligned overflow32
  overflow32-width overflow64 pixel-bytes short-file tiny-file empty-file
  bad-format late-slow reason-long reason-binary slow-reason
  never-answers drip
  backlog-full other-uid dgram-squatter seqpacket-squatter watch-close
  watch-squatter watch-other-uid
  client-silent client-other-uid client-flood client-writer client-inflight)

add_test(NAME hostile.modes
         COMMAND test_hostile $<TARGET_FILE:shmimage>
                 $<TARGET_FILE:hostile_peer> --check ${HOSTILE_MODES})
set_tests_properties(hostile.modes PROPERTIES TIMEOUT 30)

foreach(_mode IN LISTS HOSTILE_MODES)
  add_test(NAME hostile.${_mode}
           COMMAND test_hostile $<TARGET_FILE:shmimage>
                   $<TARGET_FILE:hostile_peer> ${_mode})
  set_tests_properties(hostile.${_mode} PROPERTIES
    TIMEOUT 60 SKIP_RETURN_CODE 77 LABELS "hostile;multiprocess"
    ENVIRONMENT "SDL_VIDEODRIVER=dummy")
endforeach()

add_executable(test_faults ${CMAKE_CURRENT_LIST_DIR}/test_faults.c)
target_link_libraries(test_faults PRIVATE testutil)

set(_fault_cases kill-owner soak-attach soak-load nofile-reader nofile-owner
                 memfd-fail proc-reader)
# An address-space limit means nothing under AddressSanitizer, which
# reserves terabytes of shadow memory: those cases exist only without it.
if(NOT ASAN)
  list(APPEND _fault_cases as-owner as-reader)
endif()
foreach(_case IN LISTS _fault_cases)
  add_test(NAME faults.${_case}
           COMMAND test_faults $<TARGET_FILE:shmimage> ${_case})
  set_tests_properties(faults.${_case} PROPERTIES
    TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS "faults;multiprocess"
    ENVIRONMENT "SDL_VIDEODRIVER=dummy")
endforeach()

# Fuzzing: off by default (needs clang); see tests/fuzz/fuzz.cmake.
if(FUZZ)
  include(${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz.cmake)
endif()
