#!/usr/bin/env bash
# Runs one shell command line from the project root (for tests that need environment variables or pipes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec bash -c "$1"
