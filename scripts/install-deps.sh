#!/usr/bin/env bash
# Install twinfe's build and test dependencies from Debian packages, by name.
# Idempotent: packages already installed are skipped; apt-get update runs at most once.
# Run as root (CI runs as root). Set TWINFE_DEPS_EXTRA=1 to also install what `make bench`,
# `make format` and mesh generation use (PETSc examples, CalculiX, clang-format, gmsh).
set -euo pipefail

PKGS=(
  build-essential pkg-config make
  openmpi-bin libopenmpi-dev
  petsc-dev
  libhdf5-openmpi-dev hdf5-tools
  libhwloc-dev hwloc
  libcunit1-dev
  libyaml-dev
  python3 python3-h5py python3-numpy python3-matplotlib python3-yaml
)
# make bench (PETSc's ex56 and CalculiX as peers), make format, and regenerating meshes
BENCH_PKGS=(libpetsc3.18-dev-examples calculix-ccx clang-format gmsh)
if [ "${TWINFE_DEPS_EXTRA:-0}" = 1 ]; then PKGS+=("${BENCH_PKGS[@]}"); fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or: sudo $0)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/twinfe-update-stamp
if [ ! -f "$stamp" ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
  apt-get update -q
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
