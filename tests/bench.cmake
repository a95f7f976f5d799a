# shm-bench: how fast an image goes through shared memory, against memcpy,
# SDL_image's decode and the PNG round trip of the Qt example; and what
# the window costs (M, following, memory, idle CPU). Built with the
# project but not a CTest test: it measures and prints, it never fails on
# a slow figure. Run it by hand from the top of the build tree, under X
# (or Xvfb) for the window's default renderer:
#   build/shm-bench [--json] [--quick]   (build/shm-bench --help)
add_executable(shm-bench ${CMAKE_CURRENT_LIST_DIR}/bench/shm_bench.c)
# app: the window's library, which the M and follow cases run in a child.
target_link_libraries(shm-bench PRIVATE app m)
set_target_properties(shm-bench PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
# Next to the programs it starts: shm-decode (the decoder helper the
# publish case uses), shmimage (the owners) and sharedmemory (the windows
# of window_memory and idle_cpu).
add_dependencies(shm-bench shm-decode shmimage sharedmemory)
# zlib: the export case measures what zlib level 1 gives for the same rows;
# the source dir: where it finds src/readers/reader.py.
target_link_libraries(shm-bench PRIVATE z)
target_compile_definitions(shm-bench PRIVATE
                           BENCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
