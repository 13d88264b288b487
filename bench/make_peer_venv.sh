#!/usr/bin/env bash
# Create the peers' environment (anonlink + clkhash beside this project) for bench/run_peers.py.
# anonlink imports pkg_resources (setuptools<70); clkhash pins cryptography<41 while this project
# needs >=42, so clkhash is installed without its pins (the parts it uses work on both).
# grpcio-tools (dev extra) needs a newer setuptools, so only the runtime and test tools go in.
# Usage: bench/make_peer_venv.sh [VENV_DIR]   (default /work/venv-bench; skipped if it exists)
set -euo pipefail
VENV="${1:-/work/venv-bench}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOCK="${VENV}.lock"
if [ -x "$VENV/bin/python" ] && [ ! -e "$LOCK" ]; then
    echo "$VENV exists"; exit 0
fi
( set -o noclobber; echo "$$" > "$LOCK" ) 2>/dev/null || { echo "another process holds $LOCK"; exit 1; }
trap 'rm -f "$LOCK"' EXIT
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -e "$ROOT[bench]" "hypothesis>=6.90"
"$VENV/bin/pip" install -q --no-deps "clkhash==0.18.3"
"$VENV/bin/python" -c "import anonlink, clkhash; print('anonlink', anonlink.__version__ if hasattr(anonlink, '__version__') else 'ok', 'clkhash ok')"
