# Export-WildVolume without a cluster: what it says when there is nothing to export, and -WhatIf. (Images of real
# volumes, from Longhorn's block store, are tested through the hosted engine on the simulated cluster:
# tests/Unit/Wild.Backup.PowerShell.Tests/Commands/ExportVolumeCommandTests.cs.)
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $data = $w.Data; $dest = $w.Dest
}
AfterAll { Remove-WildWorld $w }

Describe 'Export-WildVolume' {
    It 'says when the latest backup has no volumes to export (no cluster here, so none were backed up)' {
        $null = Backup-WildApp redis -DataDir $data -Destination $dest -WarningAction SilentlyContinue
        { Export-WildVolume redis -DataDir $data -Destination $dest -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoVolumes,Wild.Backup.PowerShell.Commands.ExportWildVolumeCommand'
    }

    It 'says there is no backup to export from' {
        $empty = [IO.Path]::Combine($w.Root, 'empty-nas')
        [void][IO.Directory]::CreateDirectory($empty)
        { Export-WildVolume gitea -DataDir $data -Destination $empty -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound,Wild.Backup.PowerShell.Commands.ExportWildVolumeCommand'
    }

    It 'changes nothing with -WhatIf' {
        $file = [IO.Path]::Combine($w.Root, 'gitea-data.qcow2')
        Export-WildVolume gitea -Path $file -DataDir $data -Destination $dest -WhatIf | Should -BeNullOrEmpty
        [IO.File]::Exists($file) | Should -BeFalse
    }
}
