#!/usr/bin/env bash
# Runs every test (README: "Run every test"). On a fresh Debian machine with the .NET SDK it first installs what the
# tests use for real — NFS-Ganesha and rpcbind, libnfs tools, qemu-img, lz4 — which needs root. Nothing is skipped:
# a test that cannot start what it needs fails and says why.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils qemu-utils qemu-block-extra lz4 gzip tar coreutils)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "run-all.sh: missing Debian packages: ${missing[*]}" >&2
    echo "run-all.sh: run as root, or: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "run-all.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "run-all.sh: the disk-full tests mount small tmpfs file systems and need root; run as root (CI does)." >&2
  exit 1
fi

dotnet restore WildBackup.slnx
dotnet build WildBackup.slnx --no-restore
dotnet test WildBackup.slnx --no-build --blame-hang-timeout 10m
