#!/usr/bin/env bash
# Runs the test levels and prints one summary line per level. A level fails when any of its
# tests fails *or when it ran no test at all*, so a broken harness cannot pass silently.
#   scripts/test.sh all | native | browser | e2e
set -uo pipefail
cd "$(dirname "$0")/.."
export TRUNK_SKIP_VERSION_CHECK=true

levels=("$@")
[[ "${levels[0]:-all}" == "all" ]] && levels=(native browser e2e)
mkdir -p target/test-logs
declare -A result
failed=0

# Sum of "N passed" over every cargo/wasm-bindgen "test result:" line of a log.
passed_in() { grep -aoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$1" | awk '{s+=$4} END {print s+0}'; }

run_level() {
  local name=$1; shift
  local log="target/test-logs/$name.log"
  printf '\n\033[1m==> %s tests\033[0m\n' "$name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local n
  if [[ $name == e2e ]]; then
    n=$(grep -aoE '[0-9]+ passed' "$log" | tail -1 | awk '{print $1+0}')
    n=${n:-0}
  else
    n=$(passed_in "$log")
  fi
  if (( rc != 0 )); then result[$name]="FAILED (exit $rc, $n passed)"; failed=1
  elif (( n == 0 )); then result[$name]="FAILED (no test ran)"; failed=1
  else result[$name]="ok ($n passed)"; fi
}

# The native level: formatting (Rust, then the view! blocks) and lints first (warnings are errors,
# native and wasm32), the build scripts' tests, then every native test.
native_level() {
  cargo fmt --all --check || { echo "cargo fmt --check failed: run cargo fmt --all && leptosfmt src tests/browser" >&2; return 1; }
  leptosfmt --check src tests/browser >/dev/null || { echo "leptosfmt --check failed: run leptosfmt src tests/browser" >&2; return 1; }
  cargo clippy --workspace --all-targets --locked -- -D warnings || return 1
  cargo clippy --target wasm32-unknown-unknown -p agent-console-app --all-targets --locked -- -D warnings || return 1
  # The build's post-processing on small inputs: a tool upgrade that changes its input fails here.
  node --test scripts/tests/ || return 1
  cargo test --workspace --locked
}

for level in "${levels[@]}"; do
  case $level in
    native)
      run_level native native_level ;;
    browser)
      run_level browser env CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=300 \
        cargo test --locked --target wasm32-unknown-unknown -p agent-console-app --test browser ;;
    e2e)
      # Always rebuild (incremental): the tests must see the sources as they are.
      make --no-print-directory app server || { result[e2e]="FAILED (build)"; failed=1; continue; }
      run_level e2e npx playwright test -c tests/e2e/playwright.config.ts ;;
    *) echo "unknown level: $level" >&2; exit 2 ;;
  esac
done

printf '\n\033[1m==> summary\033[0m\n'
for level in "${levels[@]}"; do printf '  %-8s %s\n' "$level" "${result[$level]:-not run}"; done
exit $failed
