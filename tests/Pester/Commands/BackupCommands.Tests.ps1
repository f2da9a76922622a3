# Backup-WildApp and Backup-WildCluster as a person uses them: pipelines, -All, errors and their ids, -ErrorAction,
# -WhatIf/-Confirm, the table view, secrets never shown.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $data = $w.Data; $dest = $w.Dest
    $appsDir = [IO.Path]::Combine($dest, 'demo-cloud', 'backups', 'apps')
}
AfterAll { Remove-WildWorld $w }

Describe 'Backup-WildApp' {
    It 'backs up what Get-WildApp pipes to it' {
        $backups = Get-WildApp -DataDir $data | Backup-WildApp -Destination $dest -WarningAction SilentlyContinue
        $backups | Should -HaveCount 4
        $backups[0] | Should -BeOfType ([Wild.Backup.Core.Backups.BackupInfo])
        $backups.Name | Should -Be @('gitea', 'immich', 'postgres', 'redis')
        [IO.File]::Exists([IO.Path]::Combine($appsDir, 'gitea', 'backup.json')) | Should -BeTrue
    }

    It 'backs up every app with -All, and names piped as strings' {
        (Backup-WildApp -All -DataDir $data -Destination $dest -WarningAction SilentlyContinue).Count | Should -Be 4
        ('redis', 'gitea' | Backup-WildApp -DataDir $data -Destination $dest -WarningAction SilentlyContinue).Name | Should -Be @('redis', 'gitea')
    }

    It 'keeps only the latest backup of an app' {
        $first = Backup-WildApp gitea -DataDir $data -Destination $dest -WarningAction SilentlyContinue
        $second = Backup-WildApp gitea -DataDir $data -Destination $dest -WarningAction SilentlyContinue
        $second.CreatedAt | Should -BeGreaterThan $first.CreatedAt
        [IO.Directory]::GetFileSystemEntries($appsDir) | Should -HaveCount 4
    }

    It 'warns that volumes are not backed up when the cluster cannot be reached' {
        $null = Backup-WildApp gitea -DataDir $data -Destination $dest -WarningVariable warned -WarningAction SilentlyContinue
        ($warned -join "`n") | Should -Match 'Volumes not backed up \(configuration only\)'
    }

    It 'goes on after an app that fails, reporting it as a non-terminating error' {
        $result = Backup-WildApp gitea, nope, redis -DataDir $data -Destination $dest -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $result.Name | Should -Be @('gitea', 'redis')
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'AppNotFound,Wild.Backup.PowerShell.Commands.BackupWildAppCommand'
        "$($failures[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be 'nope'
    }

    It 'stops before any work with -ErrorAction Stop' {
        $other = [IO.Path]::Combine($w.Root, 'stop-nas')
        [void][IO.Directory]::CreateDirectory($other)
        { Backup-WildApp gitea, nope -DataDir $data -Destination $other -ErrorAction Stop } |
            Should -Throw -ErrorId 'AppNotFound,Wild.Backup.PowerShell.Commands.BackupWildAppCommand'
        [IO.Directory]::GetFileSystemEntries($other) | Should -HaveCount 0
    }

    It 'refuses a name that tries to leave the apps directory' {
        { Backup-WildApp '../../etc' -DataDir $data -Destination $dest -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidAppName,Wild.Backup.PowerShell.Commands.BackupWildAppCommand' -ExpectedMessage '*not a valid app name*'
    }

    It 'says exactly that storage cannot be reached, and writes nothing' {
        $unmounted = [IO.Path]::Combine($w.Root, 'unmounted')
        $err = { Backup-WildApp redis -DataDir $data -Destination $unmounted } | Should -Throw -PassThru -ExpectedMessage 'Cannot reach backup storage. Check network connection.'
        $err.FullyQualifiedErrorId | Should -Be 'StorageUnreachable,Wild.Backup.PowerShell.Commands.BackupWildAppCommand'
        "$($err.CategoryInfo.Category)" | Should -Be 'ConnectionError'
        [IO.Directory]::Exists($unmounted) | Should -BeFalse
    }

    It 'changes nothing with -WhatIf, and says what it would do' {
        $other = [IO.Path]::Combine($w.Root, 'whatif-nas')
        [void][IO.Directory]::CreateDirectory($other)
        $said = Invoke-FreshPwsh "Import-Module '$(Get-WildModulePath)'; Backup-WildApp -All -DataDir '$data' -Destination '$other' -WhatIf"
        $said.ExitCode | Should -Be 0
        $said.Output | Should -Match ([regex]::Escape("What if: Performing the operation `"Back up to $other`" on target `"app 'gitea' of instance 'demo-cloud'`"."))
        [IO.Directory]::GetFileSystemEntries($other) | Should -HaveCount 0
    }

    It 'asks with -Confirm, and does nothing when the answer is no' {
        $other = [IO.Path]::Combine($w.Root, 'confirm-nas')
        [void][IO.Directory]::CreateDirectory($other)
        $said = Invoke-FreshPwsh "Import-Module '$(Get-WildModulePath)'; Backup-WildApp gitea -DataDir '$data' -Destination '$other' -Confirm; 'asked'" -Answers 'n'
        ($said.Output -replace '\s+', ' ') | Should -Match ([regex]::Escape("Performing the operation `"Back up to $other`" on target `"app 'gitea' of instance 'demo-cloud'`""))
        $said.Output | Should -Match 'asked'
        [IO.Directory]::GetFileSystemEntries($other) | Should -HaveCount 0
        $yes = Invoke-FreshPwsh "Import-Module '$(Get-WildModulePath)'; (Backup-WildApp gitea -DataDir '$data' -Destination '$other' -Confirm -WarningAction SilentlyContinue).Name" -Answers 'y'
        $yes.Output | Should -Match 'gitea\s*$'
        [IO.File]::Exists([IO.Path]::Combine($other, 'demo-cloud', 'backups', 'apps', 'gitea', 'backup.json')) | Should -BeTrue
    }

    It 'renders backups with the BackupInfo table view' {
        $text = Backup-WildApp redis -DataDir $data -Destination $dest -WarningAction SilentlyContinue | Out-String -Width 200
        $text | Should -Match 'Kind\s+Name\s+Created \(UTC\)\s+Size\s+Files\s+Location'
        $text | Should -Match 'App\s+redis\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[\d.]+ KiB\s+\d+\s+'
    }
}

Describe 'Backup-WildCluster' {
    It 'backs up the cluster files' {
        $cluster = Backup-WildCluster -DataDir $data -Destination $dest -WarningAction SilentlyContinue
        $cluster.Name | Should -Be 'cluster'
        "$($cluster.Kind)" | Should -Be 'Cluster'
        $names = [string[]]$cluster.Files.Name
        [Array]::Sort($names)
        $names | Should -Be @('cluster-config.yaml', 'cluster-nodes.tar.gz', 'cluster-secrets.yaml', 'kubeconfig', 'setup.tar.gz', 'talos.tar.gz', 'talosconfig')
    }

    It 'writes secret-bearing files 0600' {
        $secretsFile = [IO.Path]::Combine($dest, 'demo-cloud', 'backups', 'cluster', 'cluster-secrets.yaml')
        [IO.File]::GetUnixFileMode($secretsFile) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'changes nothing with -WhatIf' {
        $other = [IO.Path]::Combine($w.Root, 'whatif-cluster')
        [void][IO.Directory]::CreateDirectory($other)
        Backup-WildCluster -DataDir $data -Destination $other -WhatIf | Should -BeNullOrEmpty
        [IO.Directory]::GetFileSystemEntries($other) | Should -HaveCount 0
    }

    It 'never shows a secret, in objects, views, warnings or verbose output' {
        $all = Backup-WildCluster -DataDir $data -Destination $dest -Verbose 4>&1 3>&1
        $text = ($all | Out-String -Width 300) + ($all | Format-List * | Out-String -Width 300)
        foreach ($secret in $w.Secrets) { $text.Contains($secret) | Should -BeFalse }
    }
}
