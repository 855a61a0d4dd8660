#!/usr/bin/env bash
# Runs the speed benchmark (nngrad-core/benches/jacobian.rs) and rewrites the results
# section of BENCHMARKS.md (between the results markers) with the machine, build flags,
# date and the tables. Usage: scripts/bench.sh [criterion filter regex]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo bench -p nngrad-core --bench jacobian -- ${1:+"$1"}
{
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores; $(lscpu | sed -n 's/^Flags:.*\(avx512f\).*/AVX-512F, /p')$(grep -q ' avx2 ' /proc/cpuinfo && echo AVX2+FMA || echo no AVX2) detected at run time), $(rustc --version)."
  echo "Build: \`cargo bench\` profile (release, opt-level 3, debug info), no RUSTFLAGS, no target-cpu: x86-64 baseline SSE2; matrixmultiply, the small-product kernel (AVX2+FMA or AVX-512F) and the dense tanh (AVX2+FMA) are chosen at run time."
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Load average at the end of the run: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  python3 scripts/bench_table.py "$target/criterion"
} > "$target/bench_results.md"
python3 - "$target/bench_results.md" <<'PY'
import re, sys
res = open(sys.argv[1]).read()
doc = open("BENCHMARKS.md").read()
doc = re.sub(r"(<!-- results:begin -->\n).*?(<!-- results:end -->)",
             lambda m: m.group(1) + res.rstrip("\n") + "\n" + m.group(2), doc, flags=re.S)
open("BENCHMARKS.md", "w").write(doc)
PY
echo "BENCHMARKS.md updated from $target/criterion"
