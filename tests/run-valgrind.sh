#!/bin/sh
# run-valgrind.sh [BUILD_DIR] - the multi-process tests once under memcheck.
#
# Runs the in-process side of tests/test_hostile.c (every hostile mode,
# owner and client) and tests/test_faults.c (the cases whose work happens
# in the test process: soaks, loads through the decoder helper, fd
# exhaustion, memfd failure) under
#   valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
# (plus -q and --show-leak-kinds=definite, so a log holds only problems)
# and, inside test_hostile, every `shmimage get` child under the same
# memcheck with --error-exitcode=99 (those readers are expected to exit 1,
# so 99 keeps "valgrind found an error" apart from "refused, as it
# should"). The other children (hostile_peer, `shmimage put` owners and
# their shm-decode helpers) run natively. Time bounds are stretched
# (HOSTILE_TIME_SCALE) and loop counts cut (HOSTILE_ROUNDS, FAULTS_*),
# since memcheck is 20-50x slower.
# The RLIMIT_AS cases are left out: memcheck's own address space makes
# them meaningless, and so is kill-owner (its work is in the children).
#
# Logs go to BUILD_DIR/valgrind/<test>.log. Exit status 0 when every test
# passed with no memcheck error, 1 otherwise (the failures are listed).
set -u
build=$(cd "${1:-build}" && pwd)
tests=$build/tests
out=$build/valgrind
jobs=${VALGRIND_JOBS:-2}
mkdir -p "$out"

memcheck="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
export SDL_VIDEODRIVER=dummy
export HOSTILE_TIME_SCALE=5 HOSTILE_ROUNDS=10
export HOSTILE_READER_WRAPPER="$memcheck --error-exitcode=99"
export FAULTS_SOAK_CYCLES=1000 FAULTS_LOAD_CYCLES=50 FAULTS_ROUNDS=10

for f in "$build/shmimage" "$build/shm-decode" "$tests/test_hostile" \
	 "$tests/test_faults" "$tests/hostile_peer"; do
	if [ ! -x "$f" ]; then
		echo "run-valgrind.sh: $f is missing; build first" >&2
		exit 2
	fi
done
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }

# One test: NAME then the command. Prints one line, records a failure.
run() {
	name=$1
	shift
	log=$out/$name.log
	start=$(date +%s)
	if $memcheck --error-exitcode=1 --trace-children=no "$@" \
		>"$log" 2>&1; then
		verdict=PASS
	else
		verdict=FAIL
		touch "$out/$name.failed"
	fi
	# Every process memcheck watched exits with its error code on an
	# error, and the tests check their children's exit codes; the grep
	# only names what was found (a killed child reports nothing).
	if grep -Eq '^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination|.*definitely lost)' "$log"; then
		verdict="$verdict (memcheck reported errors)"
		touch "$out/$name.failed"
	fi
	echo "$verdict $name $(( $(date +%s) - start ))s"
}

rm -f "$out"/*.failed
{
	# Not client-inflight: its owner runs in the test process, and
	# memcheck keeps file descriptors of its own under RLIMIT_NOFILE,
	# so the owner's sendmsg never reaches ETOOMANYREFS there.
	for mode in $("$tests/hostile_peer" list) client-silent \
		    client-other-uid client-flood client-writer; do
		echo "hostile.$mode $tests/test_hostile $build/shmimage $tests/hostile_peer $mode"
	done
	# The loads go through the decoder helper, which runs natively;
	# without pidfd_open (memcheck 3.19 answers ENOSYS) its end is
	# waited for with waitpid.
	faults="soak-attach nofile-reader soak-load nofile-owner memfd-fail"
	for c in $faults; do
		echo "faults.$c $tests/test_faults $build/shmimage $c"
	done
} > "$out/list"

# Two at a time (each memcheck run is single-threaded work).
running=0
while read -r name cmd; do
	# shellcheck disable=SC2086
	run "$name" $cmd &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done < "$out/list"
wait

failed=$(ls "$out"/*.failed 2>/dev/null | wc -l)
total=$(wc -l < "$out/list")
echo "run-valgrind.sh: $((total - failed)) of $total passed; logs in $out"
if [ "$failed" -gt 0 ]; then
	for f in "$out"/*.failed; do
		echo "  failed: $(basename "$f" .failed)"
	done
	exit 1
fi
exit 0
