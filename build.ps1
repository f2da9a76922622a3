#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, packages and tries WildBackup.
.DESCRIPTION
    Build   (default) publishes the module to out/WildBackup, with its help (en-US/*-Help.xml, generated from the
            cmdlets' doc comments by tools/New-WildBackupHelp.ps1): Import-Module ./out/WildBackup/WildBackup.psd1
    Test    runs every test: tests/run-all.sh (the xunit suites, then this Build and the Pester suite under real
            Pester in real pwsh).
    Demo    runs the built-in default job, exactly as `dotnet run --project src/Wild.Backup.Shell` does: a sample
            instance on a simulated cluster, backed up to ./wildbackup-demo and restored blue-green.
    Package builds, then writes out/packages/WildBackup.<version>.nupkg, a PowerShell module package that
            Install-PSResource installs from a folder repository.
    Clean   removes build output.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean')]
    [string]$Task = 'Build',
    [string]$Configuration = 'Release',
    [string]$Output = [IO.Path]::Combine($PSScriptRoot, 'out', 'WildBackup')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Invoke-Native([string]$File, [string[]]$Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Build-Module {
    if (Test-Path $Output) { Remove-Item -Recurse -Force $Output } # no stale files from an earlier build
    # IL only: ReadyToRun was measured and bought nothing in pwsh (docs/PERFORMANCE.md, "Issue 14").
    Invoke-Native dotnet @('publish', "$PSScriptRoot/src/Wild.Backup.PowerShell", '-c', $Configuration, '-o', $Output, '--nologo')
    if (Test-Path ([IO.Path]::Combine($Output, 'System.Management.Automation.dll'))) { throw 'System.Management.Automation.dll must not ship in the module folder' }
    # Help: the doc comments (Wild.Backup.PowerShell.xml) and the module's own metadata become MAML. In a fresh pwsh, so
    # this session never loads the module it just built.
    Invoke-Native ([IO.Path]::Combine($PSHOME, 'pwsh')) @('-NoProfile', '-NonInteractive', '-File',
        "$PSScriptRoot/tools/New-WildBackupHelp.ps1", '-ModulePath', $Output)
    Remove-Item ([IO.Path]::Combine($Output, 'Wild.Backup.PowerShell.xml')) # the source of the help, not shipped
    Write-Host "Module ready: Import-Module $([IO.Path]::Combine($Output, 'WildBackup.psd1'))"
}

function Build-Package {
    # PowerShell's own packager: Publish-PSResource to a folder repository writes the .nupkg (manifest metadata:
    # version, tags, ProjectUri, LicenseUri, ReleaseNotes). The repository is registered only for this call.
    $packages = [IO.Path]::Combine($PSScriptRoot, 'out', 'packages')
    [void][IO.Directory]::CreateDirectory($packages)
    $version = (Import-PowerShellDataFile ([IO.Path]::Combine($Output, 'WildBackup.psd1'))).ModuleVersion
    Remove-Item -Force -ErrorAction SilentlyContinue ([IO.Path]::Combine($packages, "WildBackup.$version.nupkg"))
    $repository = 'WildBackupBuild-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $repository -Uri $packages -Trusted
    try {
        Publish-PSResource -Path $Output -Repository $repository
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }
    $nupkg = [IO.Path]::Combine($packages, "WildBackup.$version.nupkg")
    if (-not (Test-Path $nupkg)) { throw "Publish-PSResource did not write $nupkg" }
    Write-Host "Package ready: $nupkg (Install-PSResource WildBackup -Repository <a repository over $packages>)"
}

switch ($Task) {
    'Build' { Build-Module }
    'Test' { Invoke-Native bash @("$PSScriptRoot/tests/run-all.sh") }
    'Demo' {
        # The same job as the README's `dotnet run --project src/Wild.Backup.Shell`: demo.ps1 drives an in-process
        # simulated cluster (Kubernetes API + Longhorn), which lives in wild-shell, not in the module.
        Invoke-Native dotnet @('run', '--project', "$PSScriptRoot/src/Wild.Backup.Shell", '--', 'demo', '-Out', [IO.Path]::Combine($PWD.ProviderPath, 'wildbackup-demo'))
    }
    'Package' {
        Build-Module
        Build-Package
    }
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue ([IO.Path]::Combine($PSScriptRoot, 'out'))
        Invoke-Native dotnet @('clean', "$PSScriptRoot/WildBackup.slnx", '--nologo')
    }
}
