#!/bin/sh
# run.sh [SECONDS] [BUILD_DIR] - builds the fuzz targets with clang and
# fuzzes each for SECONDS (default 60), as CI does.
#
#   tests/fuzz/run.sh            # 60 s per target, build in /tmp/sharedmemory-fuzz
#   tests/fuzz/run.sh 600 build-fuzz
#
# A crash leaves its input in BUILD_DIR/fuzz-<target>/crash-*; replay it
# with `BUILD_DIR/tests/fuzz_<target> FILE`. Add the input to
# tests/fuzz/corpus/<target>/ (named regress-<what>) once the bug is fixed,
# so the corpus replay test keeps it fixed.
set -eu
seconds=${1:-60}
build=${2:-/tmp/sharedmemory-fuzz}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DFUZZ=ON >/dev/null
cmake --build "$build" -j2 --target fuzz_segment fuzz_dirlist >/dev/null

status=0
for t in segment dirlist; do
	echo "== fuzz_$t, $seconds s"
	rm -f "$build/fuzz-$t"/crash-* "$build/fuzz-$t"/leak-* \
		"$build/fuzz-$t"/timeout-* "$build/fuzz-$t"/oom-*
	sh "$here/run-one.sh" "$build/tests/fuzz_$t" "$here/corpus/$t" \
		"$build/fuzz-$t" "$seconds" 2>&1 |
		grep -E '^(stat::|==[0-9]+==ERROR|SUMMARY|#[0-9]+ +DONE|Done)' ||
		true
	# The pipe hides the target's status: a problem leaves an artifact.
	for f in "$build/fuzz-$t"/crash-* "$build/fuzz-$t"/leak-* \
		 "$build/fuzz-$t"/timeout-* "$build/fuzz-$t"/oom-*; do
		if [ -e "$f" ]; then
			echo "fuzz_$t: FOUND A PROBLEM: $f"
			status=1
		fi
	done
done
exit $status
