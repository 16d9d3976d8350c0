#!/usr/bin/env bash
#===- scripts/setup.sh - Install attnc's build and test dependencies -------===#
#
# Installs the Debian 12 packages attnc needs, and only those that are missing:
# `apt-get update` runs once, and only when something has to be installed.
# Both README commands start here, so it must stay idempotent and quiet when
# everything is present. Run as root (or with sudo available).
#
#   scripts/setup.sh            # build + test dependencies
#   ATTNC_SETUP_FUZZ=1 scripts/setup.sh   # also clang-22 for the libFuzzer target
set -euo pipefail

pkgs=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools llvm-22-runtime
  libfmt-dev cmake ninja-build g++ ccache
  libgtest-dev libopenblas-dev libopenblas0-pthread nlohmann-json3-dev
  python3 python3-numpy python3-torch
)
if [[ "${ATTNC_SETUP_FUZZ:-0}" == 1 ]]; then
  pkgs+=(clang-22 libclang-rt-22-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

# MLIR 19 and 22 cannot be installed together (see shared TOOLCHAIN notes).
if dpkg-query -W -f='${Status}' libmlir-19-dev 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: libmlir-19-dev is installed and conflicts with libmlir-22-dev; it will be replaced" >&2
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
