#!/usr/bin/env bash
# Schema compatibility gate for this repository (scripts/test runs it in CI).
#
# Compares schemas/ at a base revision with the work tree using `saas-contracts diff`:
#   SCHEMA_GATE_BASE=REV          use REV (any git revision);
#   on a pull request (GITHUB_BASE_REF set): the merge base with origin/<base branch>;
#   with uncommitted schema changes: HEAD (what a commit would change);
#   otherwise: HEAD~1 (what the last commit changed).
# With no history to compare with (no commits, first commit, shallow clone) it says so and succeeds.
# Formats are assertions here because our runtime validators assert them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/saas-contracts ]; then export PATH="$PWD/.venv/bin:$PATH"; fi

skip() { printf 'schema gate: %s; nothing to compare with (skipped)\n' "$*"; exit 0; }

git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "not a git checkout"
git rev-parse --verify --quiet 'HEAD^{commit}' >/dev/null || skip "this repository has no commits yet"

base="${SCHEMA_GATE_BASE:-}"
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  if git rev-parse --verify --quiet "origin/${GITHUB_BASE_REF}^{commit}" >/dev/null; then
    base="$(git merge-base HEAD "origin/${GITHUB_BASE_REF}")" || skip "no merge base with origin/${GITHUB_BASE_REF}"
  fi
fi
if [ -z "$base" ]; then
  if ! git diff --quiet HEAD -- schemas || [ -n "$(git ls-files --others --exclude-standard -- schemas)" ]; then
    base=HEAD
  elif git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
    base=HEAD~1
  else
    skip "only one commit (or a shallow clone)"
  fi
fi

printf 'schema gate: comparing schemas/ at %s with the work tree\n' "$base"
status=0
saas-contracts diff --base "$base" --format-assertion || status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  saas-contracts diff --base "$base" --format-assertion -o markdown >>"$GITHUB_STEP_SUMMARY" || true
fi
exit "$status"
