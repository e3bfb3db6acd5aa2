#!/usr/bin/env bash
# Regenerates screenshots/: the smoke walk of the demo, rendering each
# screen with freeze on the way (see scripts/tui-smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -n "$(command -v pngquant)" ]] || echo "screenshots: pngquant not found: PNGs stay uncompressed (~400 KB each)" >&2
SHOTS=1 USERS=${USERS:-30000} exec bash scripts/tui-smoke.sh
