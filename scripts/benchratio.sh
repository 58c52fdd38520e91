#!/bin/sh
# benchratio.sh — the issue 11 speed ratios of credentials/sdjwt, measured
# side by side: PASSES interleaved passes (default 6), each running
# BenchmarkVerify, BenchmarkRawVerify2, BenchmarkIssue and BenchmarkRawSign
# once; prints the medians and the median of the per-pass ratios.
#   Verify / RawVerify2   target ≤ 1.3
#   Issue  / RawSign      target ≤ 2.0
set -eu
passes=${PASSES:-6}
bin=$(mktemp -d)/sdjwt.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./credentials/sdjwt/
dir=$(cd credentials/sdjwt && pwd)
i=0
while [ "$i" -lt "$passes" ]; do
	(cd "$dir" && "$bin" -test.run '^$' -test.bench '^Benchmark(Verify|RawVerify2|Issue|RawSign)$' -test.benchtime "${BENCHTIME:-2000x}")
	i=$((i + 1))
done | awk '
/^Benchmark/ { name = $1; sub(/-[0-9]+$/, "", name); v[name, ++n[name]] = $3 }
function median(a, k,   i, j, t, s) {
	for (i = 1; i <= k; i++) s[i] = a[i]
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
	return k % 2 ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2
}
END {
	k = n["BenchmarkVerify"]
	for (i = 1; i <= k; i++) {
		vv[i] = v["BenchmarkVerify", i]; rv[i] = v["BenchmarkRawVerify2", i]
		is[i] = v["BenchmarkIssue", i]; rs[i] = v["BenchmarkRawSign", i]
		r1[i] = vv[i] / rv[i]; r2[i] = is[i] / rs[i]
	}
	printf "verify      %7.1f µs   raw 2× verify %7.1f µs   ratio %.2f (median of %d passes; target ≤ 1.3)\n", median(vv, k) / 1000, median(rv, k) / 1000, median(r1, k), k
	printf "issue       %7.1f µs   raw sign      %7.1f µs   ratio %.2f (median of %d passes; target ≤ 2.0)\n", median(is, k) / 1000, median(rs, k) / 1000, median(r2, k), k
}'
