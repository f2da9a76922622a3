# Restore-WildCluster as a person uses it: -Confirm (ConfirmImpact High), -WhatIf, restore with .bak, errors.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $data = $w.Data; $dest = $w.Dest
    $kubeconfig = [IO.Path]::Combine($w.Instance, 'kubeconfig')
}
AfterAll { Remove-WildWorld $w }

Describe 'Restore-WildCluster' {
    It 'says BackupNotFound when there is no cluster backup' {
        { Restore-WildCluster -DataDir $data -Destination $dest -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound,Wild.Backup.PowerShell.Commands.RestoreWildClusterCommand'
    }

    It 'restores kubeconfig and keeps the replaced one as kubeconfig.bak' {
        $null = Backup-WildCluster -DataDir $data -Destination $dest -WarningAction SilentlyContinue
        $original = [IO.File]::ReadAllText($kubeconfig)
        [IO.File]::WriteAllText($kubeconfig, 'clusters: []')
        $result = Restore-WildCluster -DataDir $data -Destination $dest -Confirm:$false
        [IO.File]::ReadAllText($kubeconfig) | Should -BeExactly $original
        [IO.File]::ReadAllText("$kubeconfig.bak") | Should -Be 'clusters: []'
        ($result.Items | Where-Object Item -EQ 'kubeconfig').Action | Should -Be 'Replaced'
        ($result | Out-String -Width 200) | Should -Match 'kubeconfig'
    }

    It 'changes nothing with -WhatIf' {
        [IO.File]::WriteAllText($kubeconfig, 'clusters: [] # whatif')
        Restore-WildCluster -DataDir $data -Destination $dest -WhatIf | Should -BeNullOrEmpty
        [IO.File]::ReadAllText($kubeconfig) | Should -Be 'clusters: [] # whatif'
    }

    It 'asks first (ConfirmImpact High) and does nothing on no' {
        $said = Invoke-FreshPwsh "Import-Module '$(Get-WildModulePath)'; Restore-WildCluster -DataDir '$data' -Destination '$dest'; 'asked'" -Answers 'n'
        ($said.Output -replace '\s+', ' ') | Should -Match "Restore kubeconfig, talos/generated"
        $said.Output | Should -Match 'asked'
        [IO.File]::ReadAllText($kubeconfig) | Should -Be 'clusters: [] # whatif'
    }

    It 'restores from another instance with -FromInstance' {
        $result = Restore-WildCluster -FromInstance demo-cloud -DataDir $data -Destination $dest -Confirm:$false
        $result.FromInstance | Should -Be 'demo-cloud'
        [IO.File]::ReadAllText($kubeconfig) | Should -Not -Be 'clusters: [] # whatif'
    }
}
