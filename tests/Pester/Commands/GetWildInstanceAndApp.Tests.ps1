# Get-WildInstance and Get-WildApp as a person uses them: listing, wildcards, errors, table views, tab completion.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
}
AfterAll { Remove-WildWorld $w }

Describe 'Get-WildInstance' {
    It 'finds the one instance, and by wildcard' {
        (Get-WildInstance -DataDir $w.Data).Name | Should -Be 'demo-cloud'
        (Get-WildInstance demo* -DataDir $w.Data).Path | Should -Be $w.Instance
    }

    It 'reports an unknown instance with its full error id and goes on' {
        $found = Get-WildInstance nope, demo-cloud -DataDir $w.Data -ErrorVariable e -ErrorAction SilentlyContinue
        $found.Name | Should -Be 'demo-cloud'
        $e[0].FullyQualifiedErrorId | Should -Be 'InstanceNotFound,Wild.Backup.PowerShell.Commands.GetWildInstanceCommand'
        "$($e[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
    }

    It 'binds instance names from the pipeline' {
        ('demo-cloud' | Get-WildInstance -DataDir $w.Data).Name | Should -Be 'demo-cloud'
    }
}

Describe 'Get-WildApp' {
    It 'lists the apps with their namespace and requirements' {
        $apps = Get-WildApp -DataDir $w.Data
        $apps.Name | Should -Be @('gitea', 'immich', 'postgres', 'redis')
        ($apps | Where-Object Name -EQ 'immich').Requires | Should -Be @('postgres', 'redis')
        ($apps | Where-Object Name -EQ 'gitea').Namespace | Should -Be 'gitea'
        $apps[0] | Should -BeOfType ([Wild.Backup.Core.Instances.WildApp])
    }

    It 'matches wildcards silently and reports a literal name that is no app' {
        (Get-WildApp g*, i* -DataDir $w.Data).Name | Should -Be @('gitea', 'immich')
        Get-WildApp x* -DataDir $w.Data -ErrorVariable none | Should -BeNullOrEmpty
        $none | Should -BeNullOrEmpty
        { Get-WildApp nextcloud -DataDir $w.Data -ErrorAction Stop } |
            Should -Throw -ErrorId 'AppNotFound,Wild.Backup.PowerShell.Commands.GetWildAppCommand' -ExpectedMessage "App 'nextcloud' not found in instance 'demo-cloud'."
    }

    It 'takes the data dir and instance from the environment' {
        $env:WILD_DATA_DIR = $w.Data; $env:WILD_INSTANCE = 'demo-cloud'
        try { (Get-WildApp).Count | Should -Be 4 } finally { Remove-Item env:WILD_DATA_DIR, env:WILD_INSTANCE }
    }

    It 'refuses an instance that does not exist with InstanceNotFound' {
        { Get-WildApp -DataDir $w.Data -Instance other -ErrorAction Stop } | Should -Throw -ErrorId 'InstanceNotFound,Wild.Backup.PowerShell.Commands.GetWildAppCommand'
    }

    It 'refuses a data dir that does not exist, naming it' {
        $missing = [IO.Path]::Combine($w.Root, 'nothing-here')
        { Get-WildApp -DataDir $missing -ErrorAction Stop } | Should -Throw -ExpectedMessage "*$missing*"
    }

    It 'renders with its table view: Name, Namespace, Requires, Version' {
        $text = Get-WildApp -DataDir $w.Data | Format-Table | Out-String -Width 200
        $text | Should -Match 'Name\s+Namespace\s+Requires\s+Version'
        $text | Should -Match 'immich\s+immich\s+postgres, redis'
        $text | Should -Match 'Instance: demo-cloud'
        (Get-WildInstance -DataDir $w.Data | Out-String -Width 200) | Should -Match 'Name\s+Path'
    }
}

Describe 'Tab completion through TabExpansion2' {
    It 'completes <kind> names' -TestCases @(
        @{ kind = 'app (Backup-WildApp -Name)'; line = "Backup-WildApp -DataDir '{0}' -Name gi"; expected = @('gitea') }
        @{ kind = 'app (positional)'; line = "Restore-WildApp -DataDir '{0}' re"; expected = @('redis') }
        @{ kind = 'app (Get-WildBackup)'; line = "Get-WildBackup -DataDir '{0}' -Name i"; expected = @('immich') }
        @{ kind = 'instance'; line = "Get-WildApp -DataDir '{0}' -Instance de"; expected = @('demo-cloud') }
        @{ kind = 'instance (-FromInstance)'; line = "Restore-WildCluster -DataDir '{0}' -FromInstance "; expected = @('demo-cloud') }
        @{ kind = 'every app'; line = "Test-WildBackup -DataDir '{0}' -Name "; expected = @('gitea', 'immich', 'postgres', 'redis') }
    ) {
        $script = $line -f $w.Data
        $completion = TabExpansion2 -inputScript $script -cursorColumn $script.Length
        $completion.CompletionMatches.CompletionText | Should -Be $expected
    }

    It 'completes the cmdlets and their parameters' {
        (TabExpansion2 -inputScript 'Backup-Wild' -cursorColumn 11).CompletionMatches.CompletionText | Should -Be @('Backup-WildApp', 'Backup-WildCluster')
        (TabExpansion2 -inputScript 'Restore-WildApp -From' -cursorColumn 21).CompletionMatches.CompletionText | Should -Be @('-FromInstance')
        (TabExpansion2 -inputScript 'Restore-WildApp -Strategy ' -cursorColumn 26).CompletionMatches.CompletionText | Should -Be @('blue-green')
    }

    It 'offers nothing, without an error, when the data dir does not exist' {
        $script = "Backup-WildApp -DataDir '/nonexistent' -Name gi"
        (TabExpansion2 -inputScript $script -cursorColumn $script.Length).CompletionMatches | Should -BeNullOrEmpty
    }
}
