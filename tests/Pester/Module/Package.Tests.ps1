# The package ./build.ps1 -Task Package writes (tests/run-all.sh builds it before this suite): a PowerShell module
# package that Install-PSResource installs from a folder repository into a clean module path, in a fresh pwsh whose
# home (user module path, PSResourceGet's repository list) is a new empty directory.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $version = (Import-PowerShellDataFile (Get-WildModulePath)).ModuleVersion
    $nupkg = [IO.Path]::Combine([IO.Path]::GetDirectoryName([IO.Path]::GetDirectoryName((Get-WildModulePath))), 'packages', "WildBackup.$version.nupkg")
    $w = New-WildWorld
    $home_ = [IO.Path]::Combine($w.Root, 'home')
    $repo = [IO.Path]::Combine($w.Root, 'repo')
    [void][IO.Directory]::CreateDirectory($home_)
    [void][IO.Directory]::CreateDirectory($repo)
}
AfterAll { Remove-WildWorld $w }

Describe 'The WildBackup package' {
    It 'is written with the version of Directory.Build.props' {
        $props = [xml](Get-Content -Raw ([IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'Directory.Build.props')))
        $version | Should -Be ($props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1)
        Test-Path $nupkg | Should -BeTrue -Because "./build.ps1 -Task Package writes $nupkg"
    }

    It 'installs with Install-PSResource from a folder repository into a clean module path, and Get-WildApp runs from there' {
        Copy-Item $nupkg $repo
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name WildLocal -Uri '$repo' -Trusted
`$found = Find-PSResource WildBackup -Repository WildLocal
"found `$(`$found.Version) tags=`$(`$found.Tags -join ',') project=`$(`$found.ProjectUri) license=`$(`$found.LicenseUri) notes=`$([bool]`$found.ReleaseNotes)"
Install-PSResource WildBackup -Repository WildLocal -Scope CurrentUser
`$m = Import-Module WildBackup -PassThru
"base `$(`$m.ModuleBase)"
(Get-WildApp -DataDir '$($w.Data)').Name -join ','
"help `$((Get-Help Backup-WildApp).Synopsis)"
"@
        $run = Invoke-FreshPwsh $script -Environment @{ HOME = $home_; XDG_DATA_HOME = ''; XDG_CONFIG_HOME = ''; PSModulePath = '' }
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Match "found $([regex]::Escape($version)) tags=.*WildCloud"
        $run.Output | Should -Match 'project=https://\S+ license=https://\S+ notes=True'
        $run.Output | Should -Match ("base " + [regex]::Escape([IO.Path]::Combine($home_, '.local', 'share', 'powershell', 'Modules', 'WildBackup', $version)))
        $run.Output | Should -Match 'gitea,immich,postgres,redis'
        $run.Output | Should -Match 'help Backs up Wild Cloud apps'
    }
}
