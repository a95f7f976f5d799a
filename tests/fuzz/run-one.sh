#!/bin/sh
# run-one.sh TARGET CORPUS SCRATCH SECONDS - fuzzes one libFuzzer target.
#
# Reads the committed CORPUS (never writes to it), keeps what it finds in
# SCRATCH, writes a crashing input as SCRATCH/crash-* and prints libFuzzer's
# final figures (executions, new coverage, peak RSS). Exit status 0 when
# nothing crashed, leaked or hung within SECONDS.
set -eu
target=$1 corpus=$2 scratch=$3 seconds=$4
mkdir -p "$scratch/found"
# -timeout: an input may legitimately wait out the 2 s lock bound once;
# anything near 10 s is a hang. -rss_limit_mb: the segment target maps at
# most what the input holds, so more is a leak.
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$scratch/" \
	"$scratch/found" "$corpus"
