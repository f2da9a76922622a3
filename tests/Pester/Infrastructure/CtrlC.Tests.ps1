# Ctrl-C in a real pwsh session (WildCmdlet.StopProcessing → the operation's cancellation): SIGINT sent to a pwsh
# that is backing up an app. The previous backup stays intact, the staging directory and the lock are removed, and the
# operation is recorded as cancelled.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $apps = [IO.Path]::Combine($w.Dest, 'demo-cloud', 'backups', 'apps')
    $previous = Backup-WildApp gitea -DataDir $w.Data -Destination $w.Dest -WarningAction SilentlyContinue
    $previousRecord = [IO.File]::ReadAllBytes([IO.Path]::Combine($apps, 'gitea', 'backup.json'))
    # Enough data (incompressible) that the backup takes seconds: Ctrl-C lands while it writes.
    $big = [IO.File]::Create([IO.Path]::Combine($w.Instance, 'apps', 'gitea', 'big-upload.bin'))
    try {
        $chunk = [byte[]]::new(8MB)
        for ($i = 0; $i -lt 32; $i++) { [Security.Cryptography.RandomNumberGenerator]::Fill($chunk); $big.Write($chunk, 0, $chunk.Length) }
    }
    finally { $big.Dispose() }
}
AfterAll { Remove-WildWorld $w }

Describe 'Ctrl-C during Backup-WildApp in a real pwsh' {
    It 'stops the backup, keeps the previous one and removes the staging directory' {
        $log = [IO.Path]::Combine($w.Root, 'pwsh.log')
        $script = "Import-Module '$(Get-WildModulePath)'; Backup-WildApp gitea -DataDir '$($w.Data)' -Destination '$($w.Dest)' -WarningAction SilentlyContinue; 'finished'"
        $pwsh = Start-Process (Get-WildPwsh) -ArgumentList @('-NoProfile', '-Command', $script) -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
        try {
            Wait-WildCondition { @([IO.Directory]::GetDirectories($apps, '.gitea.staging-*')).Count -gt 0 } 'the backup never started writing its staging directory' 60
            & kill -INT $pwsh.Id
            $pwsh.WaitForExit(60000) | Should -BeTrue -Because 'pwsh stops within a minute of Ctrl-C'
            Write-Host "pwsh exited $($pwsh.ExitCode) after Ctrl-C"
        }
        finally {
            if (-not $pwsh.HasExited) { $pwsh.Kill($true) }
        }
        [IO.File]::ReadAllText($log) | Should -Not -Match 'finished'
        # The previous backup is the one in place, whole and verified; nothing of the stopped run is left.
        [IO.File]::ReadAllBytes([IO.Path]::Combine($apps, 'gitea', 'backup.json')) | Should -Be $previousRecord
        (Test-WildBackup gitea -DataDir $w.Data -Destination $w.Dest).Passed | Should -BeTrue
        (Get-WildBackup gitea -DataDir $w.Data -Destination $w.Dest).CreatedAt | Should -Be $previous.CreatedAt
        @([IO.Directory]::GetFileSystemEntries($apps) | ForEach-Object { [IO.Path]::GetFileName($_) }) | Should -Be @('gitea') -Because 'no staging or old entry is left'
        $op = @(Get-WildOperation -DataDir $w.Data | Where-Object { $_.Type -eq 'backup_app' -and $_.Target -eq 'gitea' })[0]
        "$($op.Status)" | Should -Be 'Cancelled'
        # And the next backup just works.
        [IO.File]::Delete([IO.Path]::Combine($w.Instance, 'apps', 'gitea', 'big-upload.bin'))
        (Backup-WildApp gitea -DataDir $w.Data -Destination $w.Dest -WarningAction SilentlyContinue).CreatedAt | Should -BeGreaterThan $previous.CreatedAt
    }
}
