#!/usr/bin/env bash
# What the Triton tests need (called by .ci/run): tritonclient for our backend, and a cached
# virtual env with PyTriton's real tritonserver, built from an interpreter whose shared
# libpython the Python-backend stub accepts (test/tritonfixture.py finds it; the tests skip
# with the reason where none exists). Loopback only; the tests start and stop the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip install -q '.[triton]'
python3 test/tritonfixture.py --build
