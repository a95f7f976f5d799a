# Following a key (issue "reader side, live"): a --follow window under
# the dummy driver with real owners (`shmimage put`, an owner dialog in a
# child, hostile_peer), and `shmimage watch` with many watchers, a count,
# watchers that never read, and watchers an owner will not keep (full, or
# closing on each). One CTest test per case.

add_executable(test_follow ${CMAKE_CURRENT_LIST_DIR}/test_follow.c)
target_link_libraries(test_follow PRIVATE app testutil)
add_dependencies(test_follow shmimage shm-decode hostile_peer)
foreach(_case window hostile many count stuck refused)
  add_test(NAME follow.${_case}
           COMMAND test_follow $<TARGET_FILE:shmimage>
                   $<TARGET_FILE:shm-decode> $<TARGET_FILE:hostile_peer>
                   ${_case})
  set_tests_properties(follow.${_case} PROPERTIES
    TIMEOUT 60 SKIP_RETURN_CODE 77 LABELS "follow;multiprocess"
    ENVIRONMENT SDL_VIDEODRIVER=dummy)
endforeach()
