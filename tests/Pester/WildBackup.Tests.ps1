# WildBackup at the PowerShell level, in Pester 5 syntax. Runs under real Pester (Invoke-Pester ./tests/Pester) after
# ./build.ps1, and in CI under tests/Pester/PesterLite.ps1 inside the hosted engine. Uses only core commands and .NET,
# because a hosted engine has no Microsoft.PowerShell.Utility/Management.

BeforeAll {
    $modulePath = if ($env:WILDBACKUP_MODULE_PATH) { $env:WILDBACKUP_MODULE_PATH } else { [IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'WildBackup', 'WildBackup.psd1') }
    Import-Module $modulePath -Force
    $root = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'wildbackup-pester-' + [guid]::NewGuid().ToString('N'))
    $data = [IO.Path]::Combine($root, 'data')
    $dest = [IO.Path]::Combine($root, 'nas')
    [void][IO.Directory]::CreateDirectory($dest)
    $sample = [Wild.Backup.Core.Samples.SampleInstance]::Write($data, 'demo-cloud', 11)
    $instancePath = $sample.Item1
    $secrets = $sample.Item2
}

AfterAll {
    if ([IO.Directory]::Exists($root)) { [IO.Directory]::Delete($root, $true) }
}

Describe 'Get-WildInstance and Get-WildApp' {
    It 'finds the one instance' {
        (Get-WildInstance -DataDir $data).Name | Should -Be 'demo-cloud'
    }

    It 'lists the apps with their requirements' {
        $apps = Get-WildApp -DataDir $data
        $apps.Name | Should -Be @('gitea', 'immich', 'postgres', 'redis')
        ($apps | Where-Object Name -EQ 'immich').Requires | Should -Be @('postgres', 'redis')
        ($apps | Where-Object Name -EQ 'gitea').Namespace | Should -Be 'gitea'
    }

    It 'reports an unknown app as an error naming it' {
        { Get-WildApp nextcloud -DataDir $data -ErrorAction Stop } | Should -Throw -ErrorId 'AppNotFound'
    }
}

Describe 'Backup-WildApp' {
    It 'backs up what Get-WildApp pipes to it' {
        $backups = Get-WildApp -DataDir $data | Backup-WildApp -Destination $dest
        $backups | Should -HaveCount 4
        $backups[0] | Should -BeOfType ([Wild.Backup.Core.Backups.BackupInfo])
        [IO.File]::Exists([IO.Path]::Combine($dest, 'demo-cloud', 'backups', 'apps', 'gitea', 'backup.json')) | Should -BeTrue
    }

    It 'keeps only the latest backup of an app' {
        $first = Backup-WildApp gitea -DataDir $data -Destination $dest
        $second = Backup-WildApp gitea -DataDir $data -Destination $dest
        $second.CreatedAt | Should -BeGreaterThan $first.CreatedAt
        [IO.Directory]::GetFileSystemEntries([IO.Path]::Combine($dest, 'demo-cloud', 'backups', 'apps')) | Should -HaveCount 4
    }

    It 'goes on after an app that fails, reporting it as a non-terminating error' {
        $result = Backup-WildApp gitea, nope, redis -DataDir $data -Destination $dest -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Name | Should -Be @('gitea', 'redis')
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AppNotFound,*'
        "$($failures[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
    }

    It 'stops at the first failure with -ErrorAction Stop' {
        { Backup-WildApp nope -DataDir $data -Destination $dest -ErrorAction Stop } | Should -Throw -ErrorId 'AppNotFound'
    }

    It 'refuses a name that tries to leave the apps directory' {
        { Backup-WildApp '../../etc' -DataDir $data -Destination $dest -ErrorAction Stop } | Should -Throw -ExpectedMessage "*not a valid app name*"
    }

    It 'says exactly that storage cannot be reached' {
        { Backup-WildCluster -DataDir $data -Destination ([IO.Path]::Combine($root, 'unmounted')) } | Should -Throw -ExpectedMessage 'Cannot reach backup storage. Check network connection.'
    }

    It 'changes nothing with -WhatIf' {
        $other = [IO.Path]::Combine($root, 'whatif-nas')
        [void][IO.Directory]::CreateDirectory($other)
        Backup-WildApp -All -DataDir $data -Destination $other -WhatIf | Should -BeNullOrEmpty
        [IO.Directory]::GetFileSystemEntries($other) | Should -HaveCount 0
    }
}

Describe 'Backup-WildCluster, Get-WildBackup and Test-WildBackup' {
    BeforeAll {
        $cluster = Backup-WildCluster -DataDir $data -Destination $dest
    }

    It 'backs up the cluster files' {
        $cluster.Name | Should -Be 'cluster'
        $names = [string[]]$cluster.Files.Name
        [Array]::Sort($names)
        $names | Should -Be @('cluster-config.yaml', 'cluster-secrets.yaml', 'kubeconfig', 'setup.tar.gz', 'talosconfig')
    }

    It 'lists every latest backup' {
        (Get-WildBackup -DataDir $data -Destination $dest).Name | Should -Be @('cluster', 'gitea', 'immich', 'postgres', 'redis')
    }

    It 'verifies every backup' {
        $results = Get-WildBackup -DataDir $data -Destination $dest | Test-WildBackup -DataDir $data -Destination $dest
        $results | Should -HaveCount 5
        @($results | Where-Object { -not $_.Passed }) | Should -HaveCount 0
    }

    It 'names the file of a damaged backup' {
        [IO.File]::AppendAllText([IO.Path]::Combine($dest, 'demo-cloud', 'backups', 'apps', 'redis', 'manifest.yaml'), "# changed`n")
        $result = Test-WildBackup redis -DataDir $data -Destination $dest -ErrorVariable damaged -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        $result.Problems[0].File | Should -Be 'manifest.yaml'
        $damaged[0].FullyQualifiedErrorId | Should -BeLike 'BackupDamaged,*'
        Backup-WildApp redis -DataDir $data -Destination $dest | Should -Not -BeNullOrEmpty
    }

    It 'never shows a secret' {
        $text = (Get-WildBackup -DataDir $data -Destination $dest | ForEach-Object { "$_ $($_.Files)" }) -join "`n"
        foreach ($secret in $secrets) { $text.Contains($secret) | Should -BeFalse }
    }
}

Describe 'Restore-WildCluster' {
    It 'restores kubeconfig and keeps the replaced one as kubeconfig.bak' {
        Backup-WildCluster -DataDir $data -Destination $dest | Out-Null
        $kubeconfig = [IO.Path]::Combine($instancePath, 'kubeconfig')
        $original = [IO.File]::ReadAllText($kubeconfig)
        [IO.File]::WriteAllText($kubeconfig, 'clusters: []')
        $result = Restore-WildCluster -DataDir $data -Destination $dest -Confirm:$false
        [IO.File]::ReadAllText($kubeconfig) | Should -BeExactly $original
        [IO.File]::ReadAllText("$kubeconfig.bak") | Should -Be 'clusters: []'
        ($result.Items | Where-Object Item -EQ 'kubeconfig').Action | Should -Be 'Replaced'
    }
}

Describe 'Tab completion' {
    It 'completes <kind> names' -TestCases @(
        @{ kind = 'app'; line = "Backup-WildApp -DataDir '{0}' -Name gi"; expected = 'gitea' }
        @{ kind = 'instance'; line = "Get-WildApp -DataDir '{0}' -Instance de"; expected = 'demo-cloud' }
    ) {
        $script = $line -f $data
        $completion = TabExpansion2 -inputScript $script -cursorColumn $script.Length
        $completion.CompletionMatches.CompletionText | Should -Contain $expected
    }
}

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
        $result = @(wild @words)
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

    It 'prints its usage with help' {
        wild help | Should -Match 'wild app backup'
    }

    It 'refuses what it does not know, saying so' {
        { wild app frobnicate gitea } | Should -Throw -ExpectedMessage "*unknown command 'app frobnicate'*"
        { wild app backup --bogus } | Should -Throw -ExpectedMessage "*unknown option '--bogus'*"
        { wild app backup } | Should -Throw -ExpectedMessage '*name an app, or use --all*'
    }
}

Describe 'Operations' {
    It 'every backup is an operation that Get-WildOperation lists and Wait-WildOperation returns at once when done' {
        $null = Backup-WildApp redis -DataDir $data -Destination $dest
        $op = @(Get-WildOperation -DataDir $data | Where-Object { $_.Type -eq 'backup_app' -and $_.Target -eq 'redis' })[0]
        "$($op.Status)" | Should -Be 'Completed'
        (Wait-WildOperation -Id $op.Id -DataDir $data).Id | Should -Be $op.Id
        [IO.File]::Exists([IO.Path]::Combine($instancePath, 'operations', "$($op.Id).json")) | Should -BeTrue
    }

    It 'stopping a finished operation is an error that says it finished' {
        $op = @(Get-WildOperation -DataDir $data)[0]
        { Stop-WildOperation -Id $op.Id -DataDir $data -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'OperationFinished'
    }
}
