#!/bin/sh
# Run a command 5 times under /usr/bin/time -v; print the medians (each taken
# separately) of wall time, CPU time (user + system) and max RSS. Usage:
#   bench/time5.sh DIR CMD [ARGS...]      (runs CMD in DIR, output discarded)
# Not a harness: just the measurement bench/README.md's table was made with.
dir=$1; shift
runs=$(mktemp)
for i in 1 2 3 4 5; do
	(cd "$dir" && /usr/bin/time -v "$@" >/dev/null 2>"$runs.t") || true
	awk '/Elapsed \(wall clock\)/ { n = split($NF, t, ":"); s = 0;
		for (i = 1; i <= n; i++) s = s * 60 + t[i]; w = s }
	     /User time/ { c += $NF } /System time/ { c += $NF }
	     /Maximum resident set size/ { r = $NF }
	     END { printf "%.3f %.2f %.1f\n", w, c, r / 1024 }' "$runs.t" >>"$runs"
done
w=$(sort -n -k1,1 "$runs" | sed -n 3p | cut -d' ' -f1)
c=$(sort -n -k2,2 "$runs" | sed -n 3p | cut -d' ' -f2)
r=$(sort -n -k3,3 "$runs" | sed -n 3p | cut -d' ' -f3)
echo "wall $w s  cpu $c s  maxrss $r MiB"
rm -f "$runs" "$runs.t"
