#!/usr/bin/env bash
# Installs what attnlab needs and is missing: Debian packages (as root) and pinned PyPI header wheels
# into the ignored folder .deps/ (never committed). Idempotent: a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake ninja-build g++ nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libsqlite3-dev
              zlib1g-dev libxml2-dev libeigen3-dev chromium libopenmpi-dev openmpi-bin)
# Pinned wheels: headers only, installed with --no-deps --target so nothing touches site-packages.
WHEELS=(nvidia-cutlass==4.2.0.0 nvidia-cudnn-frontend==1.32.0 nvidia-cuda-cuobjdump==13.2.51 nvidia-cuda-nvdisasm==13.2.51 cuda-bench==0.3.0)
DEPS_DIR=.deps/py

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(cat "$DEPS_DIR/.complete" 2>/dev/null)" != "${WHEELS[*]}" ]; then
  echo "install-deps: pip wheels -> $DEPS_DIR"
  rm -rf "$DEPS_DIR"; mkdir -p "$DEPS_DIR"
  python3 -m pip install -q --no-deps --target "$DEPS_DIR" "${WHEELS[@]}" || {
    echo "install-deps: warning: could not install the header wheels (${WHEELS[*]}); CUTLASS/cuDNN backends will be disabled" >&2
    exit 0; }
  echo "${WHEELS[*]}" > "$DEPS_DIR/.complete"
fi

if [ ! -x /usr/local/cuda/bin/nvcc ] && ! command -v nvcc >/dev/null; then
  echo "install-deps: error: the CUDA toolkit (CUDA 13, /usr/local/cuda) is required and is not installed" >&2
  exit 1
fi
echo "install-deps: ok"
