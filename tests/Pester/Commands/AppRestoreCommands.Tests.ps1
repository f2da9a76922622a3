# The blue-green app restore as a person runs it on a live cluster: Backup-WildApp (volumes), Restore-WildApp,
# Get-WildRestore, Switch-WildRestore, Complete-WildRestore — on the simulated cluster (Kubernetes API + Longhorn,
# started by its own CLI), with redis deployed by the real kubectl.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $cluster = Start-WildCluster -InstancePath $w.Instance -BackupTarget ([IO.Path]::Combine($w.Root, 'longhorn-target'))
    Deploy-WildApp $cluster $w.Instance 'redis'
    $env:WILD_DATA_DIR = $w.Data
    $env:WILD_BACKUP_DEST = $w.Dest
}
AfterAll {
    Remove-Item env:WILD_DATA_DIR, env:WILD_BACKUP_DEST -ErrorAction SilentlyContinue
    Stop-WildProcess $cluster
    Remove-WildWorld $w
}

Describe 'Blue-green restore of an app with a volume' {
    It 'backs up redis with its Longhorn volume' {
        $backup = Backup-WildApp redis
        $backup.Volumes | Should -HaveCount 1
        $backup.Volumes[0].Pvc | Should -Be 'data-redis-0'
    }

    It 'refuses to switch or clean up before a restore, with the state in the error' {
        { Switch-WildRestore redis -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId '*,Wild.Backup.PowerShell.Commands.SwitchWildRestoreCommand'
        "$((Get-WildRestore redis).State)" | Should -Be 'None'
    }

    It 'changes nothing with -WhatIf' {
        Restore-WildApp redis -WhatIf | Should -BeNullOrEmpty
        "$((Get-WildRestore redis).State)" | Should -Be 'None'
    }

    It 'restores redis beside the live app, its volume included' {
        $r = Restore-WildApp redis
        $r.Namespace | Should -Be 'redis-restore'
        $r.Volumes | Should -HaveCount 1
        ($r | Out-String -Width 200) | Should -Match 'redis-restore'
        $status = Get-WildRestore redis
        "$($status.State)" | Should -Be 'RestoredAwaitingSwitch'
        ($status | Out-String -Width 200) | Should -Match 'RestoredAwaitingSwitch'
        & kubectl --kubeconfig $cluster.Kubeconfig get statefulset redis -n redis -o name | Should -Be 'statefulset.apps/redis'
    }

    It 'refuses a second restore while one waits for its switch' {
        { Restore-WildApp redis -ErrorAction Stop } | Should -Throw -ErrorId '*,Wild.Backup.PowerShell.Commands.RestoreWildAppCommand'
    }

    It 'switches only after confirmation (ConfirmImpact High)' {
        $said = Invoke-FreshPwsh "Import-Module '$(Get-WildModulePath)'; Switch-WildRestore redis; 'asked'" -Answers 'n' -Environment @{ WILD_DATA_DIR = $w.Data }
        ($said.Output -replace '\s+', ' ') | Should -Match 'Switch live traffic and apps/redis to the restored copy'
        "$((Get-WildRestore redis).State)" | Should -Be 'RestoredAwaitingSwitch'
    }

    It 'switches to the restored copy, then removes the old one' {
        $switched = Get-WildApp redis | Switch-WildRestore -Confirm:$false
        $switched | Should -Not -BeNullOrEmpty
        "$((Get-WildRestore redis).State)" | Should -Be 'SwitchedAwaitingCleanup'
        (Get-WildApp redis).Namespace | Should -Be 'redis-restore'
        $null = Complete-WildRestore redis -Confirm:$false
        $status = Get-WildRestore redis
        "$($status.State)" | Should -Be 'None'
        $status.LiveNamespace | Should -Be 'redis-restore'
        [IO.Directory]::Exists([IO.Path]::Combine($w.Instance, 'apps', 'redis-old')) | Should -BeFalse
    }

    It 'discards a restored copy nobody switched to with -DiscardRestore' {
        $null = Backup-WildApp redis
        $r = Restore-WildApp redis
        $r.Namespace | Should -Be 'redis'
        $null = Complete-WildRestore redis -DiscardRestore -Confirm:$false
        "$((Get-WildRestore redis).State)" | Should -Be 'None'
        [IO.Directory]::Exists([IO.Path]::Combine($w.Instance, 'apps', 'redis-restore')) | Should -BeFalse
    }

    It 'reports a missing backup as BackupNotFound before anything starts' {
        { Restore-WildApp gitea -ErrorAction Stop } | Should -Throw -ErrorId 'BackupNotFound,Wild.Backup.PowerShell.Commands.RestoreWildAppCommand'
    }
}

Describe 'Progress a person can follow' {
    BeforeAll {
        # The progress records pwsh's console host would draw, taken from a runspace of this pwsh.
        function Get-Progress([string]$Script) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$(Get-WildModulePath)'; $Script").Invoke()
                $ps.Streams.Error | Should -BeNullOrEmpty
                @($ps.Streams.Progress)
            }
            finally { $ps.Dispose() }
        }
    }

    It 'shows one bar for a run of several apps and a child bar per app, each completed, volumes by bytes' {
        $records = Get-Progress 'Backup-WildApp -All -WarningAction SilentlyContinue'
        $run = @($records | Where-Object Activity -Like 'Backing up 4 apps of demo-cloud')
        $run | Should -Not -BeNullOrEmpty
        $run[0].ParentActivityId | Should -Be -1
        "$($run[-1].RecordType)" | Should -Be 'Completed'
        foreach ($app in 'gitea', 'immich', 'postgres', 'redis') {
            $bar = @($records | Where-Object Activity -EQ "Backing up app $app")
            $bar | Should -Not -BeNullOrEmpty
            $bar | ForEach-Object { $_.ParentActivityId | Should -Be $run[0].ActivityId }
            @($bar | Where-Object RecordType -EQ 'Completed') | Should -HaveCount 1
            "$($bar[-1].RecordType)" | Should -Be 'Completed'
        }
        # The run's bar is first and last: no child is drawn before its parent or left after it.
        $records[0].ActivityId | Should -Be $run[0].ActivityId
        $records[0].Activity | Should -Be 'Backing up 4 apps of demo-cloud' -Because 'the engine opens the run''s bar before any app reports'
        $records[-1].ActivityId | Should -Be $run[0].ActivityId
        $redis = @($records | Where-Object { $_.Activity -eq 'Backing up app redis' -and $_.StatusDescription -like 'Exporting data: data-redis-0*' })
        $redis | Should -Not -BeNullOrEmpty
        $redis[-1].CurrentOperation | Should -Match '^[\d.]+ \w?i?B of 64\.0 MiB'
    }

    It 'shows Restore-WildApp importing the volume by bytes, then completes its bar' {
        $records = Get-Progress 'Restore-WildApp redis'
        $import = @($records | Where-Object StatusDescription -Like 'Importing volumes*')
        @($import | Where-Object { $_.CurrentOperation -match ' of 64\.0 MiB' -and $_.PercentComplete -ge 30 -and $_.PercentComplete -le 70 }) | Should -Not -BeNullOrEmpty
        "$($records[-1].RecordType)" | Should -Be 'Completed'
        $null = Complete-WildRestore redis -DiscardRestore -Confirm:$false
    }

}
