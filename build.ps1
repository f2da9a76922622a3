#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and tries WildBackup.
.DESCRIPTION
    Build  (default) publishes the module to out/WildBackup: Import-Module ./out/WildBackup/WildBackup.psd1
    Test   runs every test (tests/run-all.sh: xunit suites incl. the Pester files under the in-repo runner), then,
           when Pester 5 is installed, the Pester files again under real Pester against out/WildBackup.
    Demo   runs the built-in default: a sample instance backed up to ./wildbackup-demo (src/Wild.Backup.Shell/demo.ps1).
    Clean  removes build output.
    Machines without pwsh use the dotnet commands in README.md; this script only wraps them.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Clean')]
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
    Invoke-Native dotnet @('publish', "$PSScriptRoot/src/Wild.Backup.PowerShell", '-c', $Configuration, '-o', $Output, '--nologo')
    if (Test-Path ([IO.Path]::Combine($Output, 'System.Management.Automation.dll'))) { throw 'System.Management.Automation.dll must not ship in the module folder' }
    Write-Host "Module ready: Import-Module $([IO.Path]::Combine($Output, 'WildBackup.psd1'))"
}

switch ($Task) {
    'Build' { Build-Module }
    'Test' {
        Build-Module
        Invoke-Native bash @("$PSScriptRoot/tests/run-all.sh")
        if (Get-Module -ListAvailable Pester | Where-Object Version -GE '5.0') {
            $env:WILDBACKUP_MODULE_PATH = [IO.Path]::Combine($Output, 'WildBackup.psd1')
            $result = Invoke-Pester -Path "$PSScriptRoot/tests/Pester" -PassThru
            if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester tests failed" }
        }
        else {
            Write-Warning 'Pester 5 is not installed: the Pester files ran under the in-repo runner only.'
        }
    }
    'Demo' {
        Build-Module
        Import-Module ([IO.Path]::Combine($Output, 'WildBackup.psd1')) -Force
        & "$PSScriptRoot/src/Wild.Backup.Shell/demo.ps1"
    }
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue ([IO.Path]::Combine($PSScriptRoot, 'out'))
        Invoke-Native dotnet @('clean', "$PSScriptRoot/WildBackup.slnx", '--nologo')
    }
}
