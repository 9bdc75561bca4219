#!/bin/bash
# Run one test (file or node id) against named mutants of the last `tox -e mutation` run, each in a fresh
# pytest process with the mutant switched on from the start (mutmut's own runs fork from a process that has
# imported the package and filled its caches). Prints "killed NAME" or "SURVIVED NAME".
#
#   benchmarks/mutant_check.sh tests/test_guard.py::test_x pytest_thingsgraph._adapters.x_acquire__mutmut_1 ...
#
# Copies the test's file and the shared fixtures and helpers (tests/conftest.py, tests/helpers.py,
# tests/server_helpers.py) into mutants/tests/ first, so a test written or moved after the run can be checked;
# PYTHON picks the interpreter (default: the mutation env's, .tox/mutation/bin/python). With IN_PROCESS=1 the
# mutant is switched on only once the tests are collected (benchmarks/_after_collection.py), as in mutmut's own
# fork: code the package runs at import runs without it, so a kill then is one mutmut's run would count too.
set -u
cd "$(dirname "$0")/.." || exit 2
python=${PYTHON:-$PWD/.tox/mutation/bin/python}
test=$1
shift
cp "${test%%::*}" "mutants/${test%%::*}"
cp tests/conftest.py tests/helpers.py tests/server_helpers.py mutants/tests/
cd mutants || exit 2
for mutant in "$@"; do
  if [ -n "${IN_PROCESS:-}" ]; then
    switch=(env MUTANT_AFTER_COLLECTION="$mutant" PYTHONPATH="$OLDPWD/benchmarks" "$python" -m pytest -p _after_collection)
  else
    switch=(env MUTANT_UNDER_TEST="$mutant" "$python" -m pytest)
  fi
  if AWS_EC2_METADATA_DISABLED=true HYPOTHESIS_PROFILE=mutation PYTHONDONTWRITEBYTECODE=1 \
    timeout 300 "${switch[@]}" -x -q -p no:randomly -p no:cacheprovider "$test" >/dev/null 2>&1; then
    echo "SURVIVED $mutant"
  else
    echo "killed $mutant"
  fi
done
