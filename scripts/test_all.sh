#!/usr/bin/env bash
# Every test of the project, set-up included: Rust (unit, integration, UI, conformance, doc
# tests), then each further suite's own runner. The README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
cargo test --workspace
bash python/run_tests.sh
bash matlab/run_tests.sh
