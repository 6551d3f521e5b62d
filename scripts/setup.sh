#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for nanoCocoa: system packages, then npm dependencies.
# Nothing here downloads from outside Debian's and npm's registries.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium renders the ad copy (Stage 2), fonts-nanum draws Hangul, fontconfig (fc-list) builds
# the font catalog; tini reaps Chromium's helper processes when this runs as PID 1; tesseract with
# its Korean data reads the text of decomposed posters.
packages=(chromium fonts-nanum fontconfig tini tesseract-ocr tesseract-ocr-kor)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null; then apt=(sudo apt-get); else apt=(); fi
  if [ ${#apt[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    "${apt[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (apt-get install ${missing[*]}); continuing without them" >&2
  fi
fi

# As root, the embedded PostgreSQL runs as the "postgres" user (PostgreSQL refuses root), and
# that user must be able to walk to the binaries in node_modules and to DATA_DIR. Grant only
# the traverse bit on parent folders that lack it, and say so.
if [ "$(id -u)" = 0 ]; then
  dir=$(pwd)
  while [ "$dir" != "/" ]; do
    if [ "$(( 8#$(stat -c %a "$dir") & 1 ))" = 0 ]; then
      echo "setup: chmod o+x $dir (so the embedded PostgreSQL can reach its binaries)"
      chmod o+x "$dir"
    fi
    dir=$(dirname "$dir")
  done
fi

# onnxruntime-node's installer would fetch CUDA binaries from outside npm: package.json's
# allowScripts denies it, and the variable covers an npm without allowScripts. The CPU binaries
# are in the package. Users with a GPU: see README "GPU".
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
system_node=$(node --version 2>/dev/null || echo none)
if [ "${system_node%%.*}" != v24 ]; then
  # npm itself runs on the system's Node and warns that dozens of packages want Node 22+; nothing
  # runs on it but npm, so those warnings are noise here.
  npm ci --no-audit --no-fund 2> >(grep -v EBADENGINE >&2)
  echo "setup: the system Node is $system_node; npm scripts run on the pinned Node 24 (npm's engine warnings for $system_node were left out)"
else
  npm ci --no-audit --no-fund
fi
# The `node` devDependency puts a pinned Node 24 LTS at node_modules/.bin/node; npm scripts put
# that folder first on PATH, so the server, the tests and the benchmarks run on it whatever
# Node the machine has.
echo "setup: done. Node for npm scripts: $(node_modules/.bin/node --version) (system: $(node --version)). Start with: npm start"
