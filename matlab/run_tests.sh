#!/usr/bin/env bash
# The Octave suite: installs GNU Octave if it is missing (Debian's `octave` package, which
# brings octave-cli), builds the nngrad binary (release), then runs matlab/tests/run_all.m:
# the MATLAB wrappers against the fixtures' reference Jacobians, and every genFunction test
# file run by Octave itself against nngrad. Closes with `octave: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v octave-cli >/dev/null; then
  echo "matlab/run_tests.sh: installing GNU Octave (apt-get install octave)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends octave >/dev/null
fi
cargo build --release -p nngrad-cli
export NNGRAD_BIN="$PWD/target/release/nngrad"
export NNGRAD_SHARED="${NNGRAD_SHARED:-$PWD/../shared}"
# Octave 7 prints a spurious "ignoring const execution_exception" line when a script calls
# exit(); the exit status is right, so that one line is dropped.
set +e
octave-cli --norc --quiet --no-window-system matlab/tests/run_all.m 2>&1 \
  | grep -v "ignoring const execution_exception& while preparing to exit"
status=${PIPESTATUS[0]}
set -e
exit "$status"
