# Every exported command has full help (MAML generated from the doc comments; comment-based help for the wild
# function): synopsis, description, every parameter, inputs, outputs, at least two examples — and every example runs.
BeforeDiscovery {
    Import-Module (& { if ($env:WILDBACKUP_MODULE_PATH) { $env:WILDBACKUP_MODULE_PATH } else { [IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'out', 'WildBackup', 'WildBackup.psd1') } }) -Force
    $commands = @(Get-Command -Module WildBackup | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    $examples = foreach ($c in $commands) {
        $n = 0
        foreach ($e in @((Get-Help $c.Name).examples.example)) { $n++; @{ Name = $c.Name; Index = $n; Code = ($e.code -join "`n").Trim() } }
    }
}

BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $common = [Management.Automation.Cmdlet]::CommonParameters
}

Describe 'Help of <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis and a description (not just the syntax)' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$Name *"
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 40
    }

    It 'describes every parameter' {
        $visible = $command.Parameters.Values | Where-Object { $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and $_.DontShow }) }
        foreach ($p in $visible) {
            $doc = $help.parameters.parameter | Where-Object name -EQ $p.Name
            ($doc.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$($p.Name) of $Name needs help"
        }
    }

    It 'names its inputs and outputs' {
        $help.inputTypes.inputType | Should -Not -BeNullOrEmpty
        $help.returnValues.returnValue | Should -Not -BeNullOrEmpty
        foreach ($o in $command.OutputType) { ($help.returnValues.returnValue.type.name -join ' ') | Should -Match ([regex]::Escape($o.Name)) }
    }

    It 'has at least two examples, shown by Get-Help -Examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        (Get-Help $Name -Examples | Out-String) | Should -Match ([regex]::Escape(@($help.examples.example)[0].code.Trim().Split("`n")[0]))
    }
}

Describe 'about_WildBackup' {
    It 'is found by Get-Help' {
        (Get-Help about_WildBackup | Out-String) | Should -Match 'Disaster recovery for Wild Cloud instances'
    }
}

Describe 'The examples' {
    # The world the examples speak of: one instance (demo-cloud) in $env:WILD_DATA_DIR with its backups in
    # $env:WILD_BACKUP_DEST, its cluster running with redis deployed, a wild-api at http://127.0.0.1:5056 (the address is
    # replaced by the test server's), and the state each example's remarks start from.
    BeforeAll {
        $w = New-WildWorld
        $cluster = Start-WildCluster -InstancePath $w.Instance -BackupTarget ([IO.Path]::Combine($w.Root, 'longhorn-target'))
        Deploy-WildApp $cluster $w.Instance 'redis'
        $token = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16))
        $api = Start-WildApi -DataDir $w.Data -Destination $w.Dest -Environment @{ WILD_API_TOKEN = $token }
        # Export-WildVolume's examples read Longhorn's store where this machine sees it (the simulator's backup directory),
        # as its first example's remarks say: cloud.backup.longhornTarget in config.yaml.
        $config = [IO.Path]::Combine($w.Instance, 'config.yaml')
        $lines = [Collections.Generic.List[string]]::new([IO.File]::ReadAllLines($config))
        $lines.Insert($lines.IndexOf('cloud:') + 1, "  backup:`n    longhornTarget: $([IO.Path]::Combine($w.Root, 'longhorn-target'))")
        [IO.File]::WriteAllLines($config, $lines)
        $env:WILD_DATA_DIR = $w.Data
        $env:WILD_BACKUP_DEST = $w.Dest
        $env:WILD_API_TOKEN = $token
        $null = Backup-WildApp -All -WarningAction SilentlyContinue
        $null = Backup-WildCluster

        function Set-RestoreState([string]$Want) {
            $state = "$((Get-WildRestore redis).State)"
            if ($state -eq $Want) { return }
            if ($state -eq 'RestoredAwaitingSwitch') { $null = Complete-WildRestore redis -DiscardRestore -Confirm:$false }
            if ($state -eq 'SwitchedAwaitingCleanup') { $null = Complete-WildRestore redis -Confirm:$false }
            if ($Want -eq 'None') { return }
            $null = Restore-WildApp redis
            if ($Want -eq 'SwitchedAwaitingCleanup') { $null = Switch-WildRestore redis -Confirm:$false }
        }
        $before = @{
            'Restore-WildApp'     = { Set-RestoreState 'None' }
            'Switch-WildRestore'  = { Set-RestoreState 'RestoredAwaitingSwitch' }
            'Complete-WildRestore#1' = { Set-RestoreState 'SwitchedAwaitingCleanup' }
            'Complete-WildRestore#2' = { Set-RestoreState 'RestoredAwaitingSwitch' }
        }
    }
    AfterAll {
        Disconnect-WildServer
        Remove-Item env:WILD_DATA_DIR, env:WILD_BACKUP_DEST, env:WILD_API_TOKEN -ErrorAction SilentlyContinue
        Remove-Item /tmp/data-redis-0.raw -ErrorAction SilentlyContinue # Export-WildVolume's example 2
        Stop-WildProcess $api
        Stop-WildProcess $cluster
        Remove-WildWorld $w
    }

    It '<Name> example <Index> runs without an error' -ForEach $examples {
        foreach ($key in "$Name#$Index", $Name) { if ($before.ContainsKey($key)) { & $before[$key]; break } }
        $code = $Code.Replace('http://127.0.0.1:5056', $api.Uri.ToString().TrimEnd('/'))
        $ConfirmPreference = 'None' # as if the person answered yes; each example says -Confirm:$false where it should
        # An error, terminating or not (unless the example itself asks to continue), fails the example.
        try {
            { & ([scriptblock]::Create("`$ErrorActionPreference = 'Stop'`n$code")) | Out-String -Width 200 } | Should -Not -Throw
        }
        finally {
            Disconnect-WildServer
        }
    }
}
