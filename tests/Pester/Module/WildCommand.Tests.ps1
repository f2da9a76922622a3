# The wild function: the design's command lines mapped to the cmdlets.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $data = $w.Data; $dest = $w.Dest
}
AfterAll { Remove-WildWorld $w }

Describe 'The wild command' {
    It 'maps "<line>" to its cmdlet' -TestCases @(
        @{ line = 'app backup gitea'; type = 'Wild.Backup.Core.Backups.BackupInfo'; count = 1 }
        @{ line = 'app backup --all'; type = 'Wild.Backup.Core.Backups.BackupInfo'; count = 4 }
        @{ line = 'cluster backup'; type = 'Wild.Backup.Core.Backups.BackupInfo'; count = 1 }
        @{ line = 'backup list'; type = 'Wild.Backup.Core.Backups.BackupInfo'; count = 5 }
        @{ line = 'backup test redis'; type = 'Wild.Backup.Core.Backups.BackupTestResult'; count = 1 }
        @{ line = 'app list'; type = 'Wild.Backup.Core.Instances.WildApp'; count = 4 }
    ) {
        $words = $line.Split(' ') + @('--data-dir', $data, '--destination', $dest)
        $result = @(wild @words -WarningAction SilentlyContinue)
        $result | Should -HaveCount $count
        $result[0].GetType().FullName | Should -Be $type
    }

    It 'restores the cluster with --from-instance' {
        $result = wild cluster restore --from-instance demo-cloud --data-dir $data --destination $dest -Confirm:$false
        $result.FromInstance | Should -Be 'demo-cloud'
    }

    It 'lists operations after work was done' {
        @(wild op list --data-dir $data).Count | Should -BeGreaterThan 0
    }

    It 'passes -WhatIf on to the cmdlet' {
        $other = [IO.Path]::Combine($w.Root, 'whatif')
        [void][IO.Directory]::CreateDirectory($other)
        wild app backup --all --data-dir $data --destination $other -WhatIf | Should -BeNullOrEmpty
        [IO.Directory]::GetFileSystemEntries($other) | Should -HaveCount 0
    }

    It 'prints its usage with help' {
        wild help | Should -Match 'wild app backup'
    }

    It 'keeps the cmdlet''s error id' {
        { wild app backup nope --data-dir $data --destination $dest -ErrorAction Stop } | Should -Throw -ErrorId 'AppNotFound,Wild.Backup.PowerShell.Commands.BackupWildAppCommand'
    }

    It 'passes a command it does not own to the Wild Cloud CLI on PATH, arguments unchanged' {
        # A stand-in for the Wild Cloud CLI (a Go program that is not installed here): it prints what it was given.
        $bin = [IO.Path]::Combine($w.Root, 'bin')
        [void][IO.Directory]::CreateDirectory($bin)
        $cli = [IO.Path]::Combine($bin, 'wild')
        [IO.File]::WriteAllText($cli, "#!/bin/sh`necho ""wild-cli:`$*""`nexit 3`n")
        [IO.File]::SetUnixFileMode($cli, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        $path = $env:PATH
        try {
            $env:PATH = $bin + [IO.Path]::PathSeparator + $path
            wild app deploy gitea --instance demo-cloud --force | Should -Be 'wild-cli:app deploy gitea --instance demo-cloud --force'
            $LASTEXITCODE | Should -Be 3
            wild instance list | Should -Be 'wild-cli:instance list'
            # What the module owns stays the module's.
            (wild app list --data-dir $data).Name | Should -Be @('gitea', 'immich', 'postgres', 'redis')
        }
        finally {
            $env:PATH = $path
        }
    }

    It 'refuses what it does not know, saying so' {
        { wild app frobnicate gitea } | Should -Throw -ExpectedMessage "*unknown command 'app frobnicate'*no 'wild' program*"
        { wild app backup --bogus } | Should -Throw -ExpectedMessage "*unknown option '--bogus'*"
        { wild app backup } | Should -Throw -ExpectedMessage '*name an app, or use --all*'
    }
}
