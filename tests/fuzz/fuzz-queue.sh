#!/bin/sh
# Run the targets listed in QUEUE (one per line, re-read after each run so
# targets can be appended while it runs) one at a time; rows go to RESULTS.
# Usage: tests/fuzz/fuzz-queue.sh QUEUE RESULTS [SECONDS]
queue=$1 results=$2 secs=${3:-600}
done_list=$results.done
touch "$done_list"
while :; do
        next=$(grep -vxF -f "$done_list" "$queue" | head -1)
        [ -n "$next" ] || break
        echo "$next" >>"$done_list"
        "$(dirname "$0")/fuzz-one.sh" "$next" "$secs" >>"$results"
done
