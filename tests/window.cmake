# The window: layout and hit-testing (pure), the dialog state machine with
# real files and segments, and two real windows under the dummy video
# driver (plus the real executable as an owner).

set(_win_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(test_layout ${_win_dir}/test_layout.c)
target_include_directories(test_layout PRIVATE ${_win_dir})
target_link_libraries(test_layout PRIVATE app)
add_test(NAME window.layout COMMAND test_layout)
set_tests_properties(window.layout PROPERTIES TIMEOUT 30)

add_executable(test_dialog ${_win_dir}/test_dialog.c)
target_link_libraries(test_dialog PRIVATE app testutil)
add_dependencies(test_dialog shm-decode)
add_test(NAME window.dialog COMMAND test_dialog $<TARGET_FILE:shm-decode>)
set_tests_properties(window.dialog PROPERTIES
  TIMEOUT 60
  SKIP_RETURN_CODE 77
  ENVIRONMENT SDL_VIDEODRIVER=dummy)

add_executable(test_gui_dummy ${_win_dir}/test_gui_dummy.c)
target_link_libraries(test_gui_dummy PRIVATE app testutil)
add_dependencies(test_gui_dummy sharedmemory shmimage shm-decode)
# One CTest test per case, so a failure names what broke.
foreach(_case cli handover realowner ownergone async quality openhold keys
              waiting status)
  add_test(NAME window.gui_dummy.${_case}
           COMMAND test_gui_dummy $<TARGET_FILE:sharedmemory>
                   $<TARGET_FILE:shmimage> $<TARGET_FILE:shm-decode>
                   ${_case})
  set_tests_properties(window.gui_dummy.${_case} PROPERTIES
    TIMEOUT 60
    SKIP_RETURN_CODE 77
    ENVIRONMENT SDL_VIDEODRIVER=dummy)
endforeach()
