# Get-WildOperation, Wait-WildOperation and Stop-WildOperation as a person uses them.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $data = $w.Data; $dest = $w.Dest
    $null = Backup-WildApp redis -DataDir $data -Destination $dest -WarningAction SilentlyContinue
}
AfterAll { Remove-WildWorld $w }

Describe 'Operations' {
    It 'every backup is an operation that Get-WildOperation lists and Wait-WildOperation returns at once when done' {
        $op = @(Get-WildOperation -DataDir $data | Where-Object { $_.Type -eq 'backup_app' -and $_.Target -eq 'redis' })[0]
        "$($op.Status)" | Should -Be 'Completed'
        (Wait-WildOperation -Id $op.Id -DataDir $data).Id | Should -Be $op.Id
        ($op | Wait-WildOperation -DataDir $data).Id | Should -Be $op.Id
        [IO.File]::Exists([IO.Path]::Combine($w.Instance, 'operations', "$($op.Id).json")) | Should -BeTrue
    }

    It 'gets operations by id from the pipeline and reports an unknown id' {
        $op = @(Get-WildOperation -DataDir $data)[0]
        ($op | Get-WildOperation -DataDir $data).Id | Should -Be $op.Id
        $found = Get-WildOperation -Id op-20200101000000-00000000, nope, $op.Id -DataDir $data -ErrorVariable e -ErrorAction SilentlyContinue
        $found.Id | Should -Be $op.Id
        $e[0].FullyQualifiedErrorId | Should -Be 'OperationNotFound,Wild.Backup.PowerShell.Commands.GetWildOperationCommand'
        $e[1].FullyQualifiedErrorId | Should -Be 'InvalidOperationId,Wild.Backup.PowerShell.Commands.GetWildOperationCommand'
        $e[1].Exception.Message | Should -BeLike '*they look like op-*'
    }

    It 'stopping a finished operation is an error that says it finished' {
        $op = @(Get-WildOperation -DataDir $data)[0]
        { Stop-WildOperation -Id $op.Id -DataDir $data -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'OperationFinished,Wild.Backup.PowerShell.Commands.StopWildOperationCommand'
    }

    It 'stops nothing with -WhatIf' {
        $op = @(Get-WildOperation -DataDir $data)[0]
        $op | Stop-WildOperation -DataDir $data -WhatIf | Should -BeNullOrEmpty
    }

    It 'renders operations with their table view' {
        $text = Get-WildOperation -DataDir $data | Out-String -Width 200
        $text | Should -Match 'backup_app'
        $text | Should -Match 'Completed'
    }

}
