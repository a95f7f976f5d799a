# The file chooser, its folder logic (dirlist) and the text cache, under the
# dummy video driver with the software renderer. The chooser's sources are
# compiled in directly, so this test does not wait on the rest of the app
# (ui.c only for the window's minimum size).
add_executable(test_chooser
  ${PROJECT_SOURCE_DIR}/tests/test_chooser.c
  ${PROJECT_SOURCE_DIR}/src/app/chooser.c
  ${PROJECT_SOURCE_DIR}/src/app/chooser_model.c
  ${PROJECT_SOURCE_DIR}/src/app/chooser_view.c
  ${PROJECT_SOURCE_DIR}/src/app/dirlist.c
  ${PROJECT_SOURCE_DIR}/src/app/theme.c
  ${PROJECT_SOURCE_DIR}/src/app/ui.c
  ${PROJECT_SOURCE_DIR}/src/app/text.c
  ${PROJECT_SOURCE_DIR}/src/app/font.c)
target_include_directories(test_chooser PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(test_chooser PRIVATE imgsdl PkgConfig::SDL2
                      PkgConfig::SDL2_TTF PkgConfig::SDL2_IMAGE
                      PkgConfig::FONTCONFIG m)

# The font the window would use; the test also asks fc-match itself and
# falls back to DejaVu, and skips (77, with the reason) if none is found.
find_program(_fc_match fc-match)
if(_fc_match)
  execute_process(COMMAND ${_fc_match} -f "%{file}" sans-serif
                  OUTPUT_VARIABLE _chooser_font
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_chooser_font)
    target_compile_definitions(test_chooser PRIVATE
      TEST_FONT="${_chooser_font}")
  endif()
endif()

add_test(NAME chooser COMMAND test_chooser)
set_tests_properties(chooser PROPERTIES
  TIMEOUT 60
  SKIP_RETURN_CODE 77
  ENVIRONMENT "SDL_VIDEODRIVER=dummy")
# Glyphs the UI font lacks, drawn with a font fontconfig finds (skipped
# where none with emoji and CJK is installed; .ci/deps installs them).
add_test(NAME chooser.fallback COMMAND test_chooser --fallback)
set_tests_properties(chooser.fallback PROPERTIES
  TIMEOUT 60
  SKIP_RETURN_CODE 77
  ENVIRONMENT "SDL_VIDEODRIVER=dummy")

# The chooser inside the real window: where it opens after each way of
# loading, and a name with a newline loaded from its list.
add_executable(test_chooser_app ${PROJECT_SOURCE_DIR}/tests/test_chooser_app.c)
target_link_libraries(test_chooser_app PRIVATE app testutil)
add_dependencies(test_chooser_app shm-decode)
add_test(NAME chooser.app COMMAND test_chooser_app $<TARGET_FILE:shm-decode>)
set_tests_properties(chooser.app PROPERTIES
  TIMEOUT 60
  ENVIRONMENT "SDL_VIDEODRIVER=dummy")
