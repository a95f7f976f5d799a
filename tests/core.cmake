# Multi-process tests of the core (contract version 2): real `shmimage`
# owners and readers, bad input files, every image format. Each case is
# its own CTest test so a failure names what broke; every test program gets the path of the
# shmimage binary and the source dir as its first two arguments.

# Process, file and pixel helpers shared by the test programs (tu_*).
add_library(testutil STATIC ${CMAKE_CURRENT_LIST_DIR}/testutil.c)
target_include_directories(testutil PUBLIC ${CMAKE_CURRENT_LIST_DIR})
find_package(ZLIB REQUIRED)
target_link_libraries(testutil PUBLIC imgdecoder imgsdl ZLIB::ZLIB)

foreach(_prog test_handover test_badfiles test_formats)
  add_executable(${_prog} ${CMAKE_CURRENT_LIST_DIR}/${_prog}.c)
  target_link_libraries(${_prog} PRIVATE testutil)
endforeach()

set(_core_env SDL_VIDEODRIVER=dummy)

foreach(_case sizes pitch killed keyheld otheruid readers64 cycles
              stdoutgone export)
  add_test(NAME core.handover.${_case}
           COMMAND test_handover $<TARGET_FILE:shmimage> ${PROJECT_SOURCE_DIR}
                   ${_case})
  set_tests_properties(core.handover.${_case} PROPERTIES
    TIMEOUT 30 SKIP_RETURN_CODE 77 ENVIRONMENT "${_core_env}")
endforeach()

foreach(_case files truncated usage output)
  add_test(NAME core.badfiles.${_case}
           COMMAND test_badfiles $<TARGET_FILE:shmimage> ${PROJECT_SOURCE_DIR}
                   ${_case})
  set_tests_properties(core.badfiles.${_case} PROPERTIES
    TIMEOUT 30 SKIP_RETURN_CODE 77 ENVIRONMENT "${_core_env}")
endforeach()

add_test(NAME core.formats
         COMMAND test_formats $<TARGET_FILE:shmimage> ${PROJECT_SOURCE_DIR})
set_tests_properties(core.formats PROPERTIES
  TIMEOUT 30 SKIP_RETURN_CODE 77 ENVIRONMENT "${_core_env}")
