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

# Real PowerShell and real Pester (README "PowerShell"): pwsh as a pinned .NET global tool, Pester pinned and restored
# through this machine's NuGet configuration (a throwaway project's PackageDownload). Both steps are idempotent.
pwsh_version=7.6.10
pester_version=5.7.1
tools_dir="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
pwsh="$tools_dir/pwsh"
if ! "$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$pwsh_version"; then
  echo "run-all.sh: installing PowerShell $pwsh_version (dotnet global tool)"
  dotnet tool install --global PowerShell --version "$pwsh_version" || dotnet tool update --global PowerShell --version "$pwsh_version"
fi
pester_project=$(mktemp -d)
cat > "$pester_project/pester.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$pester_version]" /></ItemGroup>
</Project>
XML
dotnet restore "$pester_project/pester.csproj" --nologo -v quiet
packages=$(dotnet nuget locals global-packages --list --force-english-output | sed -n 's/^global-packages: //p')
rm -rf "$pester_project"
export WILDBACKUP_PESTER="${packages%/}/pester/$pester_version/tools/Pester.psd1"
test -f "$WILDBACKUP_PESTER" || { echo "run-all.sh: Pester $pester_version did not restore to $WILDBACKUP_PESTER" >&2; exit 1; }

dotnet restore WildBackup.slnx
dotnet build WildBackup.slnx --no-restore
dotnet test WildBackup.slnx --no-build --blame-hang-timeout 10m

# The module as a user gets it (./build.ps1: publish + help, and its package), then the Pester suite against it in
# real pwsh.
"$pwsh" -NoProfile -NonInteractive -File build.ps1 -Task Package
"$pwsh" -NoProfile -NonInteractive -File tests/Pester/Invoke-WildPester.ps1 -Pester "$WILDBACKUP_PESTER"
