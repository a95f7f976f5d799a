# shm-bench: how fast an image goes through shared memory, against memcpy,
# SDL_image's decode and the PNG round trip of the Qt example. Built with
# the project but not a CTest test: it measures and prints, it never fails
# on a slow figure. Run it by hand from the top of the build tree:
#   build/shm-bench [--json] [--quick]   (build/shm-bench --help)
add_executable(shm-bench ${CMAKE_CURRENT_LIST_DIR}/bench/shm_bench.c)
target_link_libraries(shm-bench PRIVATE shmimg m)
# Next to `sharedmemory`, which the idle_cpu case starts.
set_target_properties(shm-bench PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
