#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Agent Console needs on a Debian 12 machine
# with rustup and Node 20. Idempotent: each step is skipped when the right version is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# WASM_BINDGEN_VERSION, TRUNK_VERSION, WASM_SPLIT_VERSION, LEPTOSFMT_VERSION
source scripts/tool-versions.env
want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The native test level checks formatting and lints.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  step "adding rustfmt and clippy"
  rustup component add rustfmt clippy
fi

if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # No --locked: its lockfile wants a webpki-roots the registry does not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
  step "installing trunk $TRUNK_VERSION (about 7 minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

# Splits the app's wasm so each view loads on demand (scripts/build-wasm.mjs).
if [[ "$(cat ~/.cargo/bin/.wasm-split-cli.version 2>/dev/null)" != "$WASM_SPLIT_VERSION" ]] || ! command -v wasm-split-cli >/dev/null; then
  step "installing wasm-split-cli $WASM_SPLIT_VERSION (about 1 minute)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
  echo "$WASM_SPLIT_VERSION" > ~/.cargo/bin/.wasm-split-cli.version
fi

# npm ci only when node_modules does not match package-lock.json.
if ! cmp -s package-lock.json node_modules/.package-lock.json.ci-stamp 2>/dev/null; then
  step "installing npm packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.package-lock.json.ci-stamp
fi

step "fetching crates (trunk builds offline)"
cargo fetch --locked --quiet

if (( want_test )); then
  # The native test level checks the formatting of view! blocks too.
  if [[ "$(leptosfmt --version 2>/dev/null)" != "leptosfmt $LEPTOSFMT_VERSION" ]]; then
    step "installing leptosfmt $LEPTOSFMT_VERSION (about 1 minute)"
    cargo install leptosfmt --version "$LEPTOSFMT_VERSION" --locked --force
  fi
  # openssl makes the certificate of the e2e test's TLS service (HTTPS port forwarding).
  if ! command -v /usr/bin/chromium >/dev/null || ! command -v /usr/bin/chromedriver >/dev/null || ! command -v openssl >/dev/null; then
    step "installing Debian chromium, chromium-driver and openssl"
    sudo_cmd=""
    (( EUID != 0 )) && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver openssl
  fi
fi
step "set-up complete"
