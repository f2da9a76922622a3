# Get-WildBackup, Test-WildBackup and Test-WildBackupDestination as a person uses them.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $data = $w.Data; $dest = $w.Dest
    $null = Backup-WildApp -All -DataDir $data -Destination $dest -WarningAction SilentlyContinue
    $null = Backup-WildCluster -DataDir $data -Destination $dest -WarningAction SilentlyContinue
}
AfterAll { Remove-WildWorld $w }

Describe 'Get-WildBackup' {
    It 'lists every latest backup, the cluster first' {
        (Get-WildBackup -DataDir $data -Destination $dest).Name | Should -Be @('cluster', 'gitea', 'immich', 'postgres', 'redis')
    }

    It 'filters by app name and wildcard, and -Cluster alone' {
        (Get-WildBackup -Name 'p*', 'redis' -DataDir $data -Destination $dest).Name | Should -Be @('postgres', 'redis')
        (Get-WildBackup -Cluster -DataDir $data -Destination $dest).Name | Should -Be 'cluster'
    }

    It 'reports an app without a backup as BackupNotFound' {
        { Get-WildBackup nextcloud -DataDir $data -Destination $dest -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound,Wild.Backup.PowerShell.Commands.GetWildBackupCommand'
    }

    It 'reads another instance''s backups with -FromInstance' {
        { Get-WildBackup -FromInstance other-cloud -DataDir $data -Destination $dest -ErrorAction Stop } | Should -Throw -ErrorId '*,Wild.Backup.PowerShell.Commands.GetWildBackupCommand'
        (Get-WildBackup -FromInstance demo-cloud -DataDir $data -Destination $dest).Count | Should -Be 5
    }

    It 'renders files with their table view' {
        $text = (Get-WildBackup -Cluster -DataDir $data -Destination $dest).Files | Format-Table | Out-String -Width 200
        $text | Should -Match 'kubeconfig'
        $text | Should -Match '[0-9a-f]{12}'
    }
}

Describe 'Test-WildBackup' {
    It 'verifies every backup piped from Get-WildBackup, the cluster as the cluster' {
        $results = Get-WildBackup -DataDir $data -Destination $dest | Test-WildBackup -DataDir $data -Destination $dest
        $results | Should -HaveCount 5
        @($results | Where-Object { -not $_.Passed }) | Should -HaveCount 0
        "$(($results | Where-Object Name -EQ 'cluster').Kind)" | Should -Be 'Cluster'
    }

    It 'tests every backup with no names, and the cluster with -Cluster' {
        (Test-WildBackup -DataDir $data -Destination $dest).Count | Should -Be 5
        (Test-WildBackup -Cluster -DataDir $data -Destination $dest).Name | Should -Be 'cluster'
    }

    It 'names the file of a damaged backup, as a non-terminating error and with -ErrorAction Stop' {
        [IO.File]::AppendAllText([IO.Path]::Combine($dest, 'demo-cloud', 'backups', 'apps', 'redis', 'manifest.yaml'), "# changed`n")
        $result = Test-WildBackup redis, gitea -DataDir $data -Destination $dest -ErrorVariable damaged -ErrorAction SilentlyContinue
        ($result | Where-Object Name -EQ 'redis').Passed | Should -BeFalse
        ($result | Where-Object Name -EQ 'redis').Problems[0].File | Should -Be 'manifest.yaml'
        ($result | Where-Object Name -EQ 'gitea').Passed | Should -BeTrue
        $damaged | Should -HaveCount 1
        $damaged[0].FullyQualifiedErrorId | Should -Be 'BackupDamaged,Wild.Backup.PowerShell.Commands.TestWildBackupCommand'
        "$($damaged[0].CategoryInfo.Category)" | Should -Be 'InvalidData'
        { Test-WildBackup redis -DataDir $data -Destination $dest -ErrorAction Stop } | Should -Throw -ExpectedMessage '*manifest.yaml*'
        # A new backup replaces the damaged one.
        Backup-WildApp redis -DataDir $data -Destination $dest -WarningAction SilentlyContinue | Should -Not -BeNullOrEmpty
        (Test-WildBackup redis -DataDir $data -Destination $dest).Passed | Should -BeTrue
    }

    It 'renders results with their table view' {
        $text = Test-WildBackup -DataDir $data -Destination $dest | Out-String -Width 200
        $text | Should -Match 'Passed'
        $text | Should -Match 'redis'
    }
}

Describe 'Test-WildBackupDestination' {
    It 'finds a directory reachable and writable, and leaves no probe behind' {
        $r = Test-WildBackupDestination -DataDir $data -Destination $dest
        $r.Reachable | Should -BeTrue
        $r.Writable | Should -BeTrue
        @([IO.Directory]::GetFiles($dest)) | Should -HaveCount 0
        ($r | Out-String -Width 200) | Should -Match ([regex]::Escape($dest))
    }

    It 'reports a missing directory as unreachable with StorageUnreachable, as a non-terminating error' {
        $missing = [IO.Path]::Combine($w.Root, 'not-mounted')
        $r = Test-WildBackupDestination -DataDir $data -Destination $missing -ErrorVariable problems -ErrorAction SilentlyContinue
        $r.Reachable | Should -BeFalse
        $problems[0].FullyQualifiedErrorId | Should -Be 'StorageUnreachable,Wild.Backup.PowerShell.Commands.TestWildBackupDestinationCommand'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'ConnectionError'
        [IO.Directory]::Exists($missing) | Should -BeFalse
    }
}
