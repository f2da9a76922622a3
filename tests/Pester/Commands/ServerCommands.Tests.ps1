# Remote mode against a real wild-api: Connect-WildServer / -Server send every cmdlet's work to the server, and its
# objects, errors (same full ids), views and progress come back as for local work. Disconnect-WildServer ends it.
BeforeAll {
    Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'WildTest.psm1')) -Force
    Import-Module (Get-WildModulePath) -Force
    $w = New-WildWorld
    $token = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16))
    $api = Start-WildApi -DataDir $w.Data -Destination $w.Dest -Environment @{ WILD_API_TOKEN = $token }
    $server = $api.Uri
    $secure = ConvertTo-SecureString $token -AsPlainText -Force
    # The local defaults point nowhere useful: whatever works below, works on the server.
    $env:WILD_DATA_DIR = [IO.Path]::Combine($w.Root, 'no-local-data')
}
AfterAll {
    Disconnect-WildServer
    Remove-Item env:WILD_DATA_DIR -ErrorAction SilentlyContinue
    Stop-WildProcess $api
    Remove-WildWorld $w
}

Describe 'Connect-WildServer' {
    It 'refuses a wrong token with the server''s 401 and stays disconnected' {
        $bad = ConvertTo-SecureString 'not-the-token' -AsPlainText -Force
        { Connect-WildServer $server -Token $bad -ErrorAction Stop } | Should -Throw -ErrorId '*,Wild.Backup.PowerShell.Commands.ConnectWildServerCommand'
        { Get-WildApp -ErrorAction Stop } | Should -Throw # still local, and there is no local data dir
    }

    It 'refuses a URL that is not http(s)' {
        { Connect-WildServer 'ftp://127.0.0.1/' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidServerUri,Wild.Backup.PowerShell.Commands.ConnectWildServerCommand'
    }

    It 'connects, and never shows the token' {
        $c = Connect-WildServer $server -Token $secure -PassThru
        $c.Uri | Should -Be $server
        ($c | Out-String) + ($c | Format-List * | Out-String) | Should -Not -Match $token
    }
}

Describe 'Every cmdlet through the server' {
    BeforeAll { Connect-WildServer $server -Token $secure }

    It 'lists instances and apps' {
        (Get-WildInstance).Name | Should -Be 'demo-cloud'
        (Get-WildApp).Name | Should -Be @('gitea', 'immich', 'postgres', 'redis')
        (Get-WildApp | Out-String -Width 200) | Should -Match 'Name\s+Namespace\s+Requires'
    }

    It 'backs up a pipeline of apps, the others going on after a failure with the same error id as locally' {
        $backups = 'gitea', 'nope', 'redis' | Backup-WildApp -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $backups.Name | Should -Be @('gitea', 'redis')
        $backups[0] | Should -BeOfType ([Wild.Backup.Core.Backups.BackupInfo])
        $e[0].FullyQualifiedErrorId | Should -Be 'AppNotFound,Wild.Backup.PowerShell.Commands.BackupWildAppCommand'
        [IO.File]::Exists([IO.Path]::Combine($w.Dest, 'demo-cloud', 'backups', 'apps', 'gitea', 'backup.json')) | Should -BeTrue
    }

    It 'backs up every app and the cluster, lists and tests the backups' {
        (Backup-WildApp -All -WarningAction SilentlyContinue).Count | Should -Be 4
        (Backup-WildCluster -WarningAction SilentlyContinue).Name | Should -Be 'cluster'
        (Get-WildBackup).Name | Should -Be @('cluster', 'gitea', 'immich', 'postgres', 'redis')
        @(Get-WildBackup | Test-WildBackup | Where-Object Passed).Count | Should -Be 5
        (Test-WildBackupDestination).Writable | Should -BeTrue
    }

    It 'restores the cluster files only when confirmed' {
        Restore-WildCluster -WhatIf | Should -BeNullOrEmpty
        (Restore-WildCluster -Confirm:$false).Items | Should -Not -BeNullOrEmpty
    }

    It 'lists, waits for and refuses to stop finished operations with the same ids' {
        $op = @(Get-WildOperation)[0]
        ($op | Wait-WildOperation).Id | Should -Be $op.Id
        { $op | Stop-WildOperation -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'OperationFinished,Wild.Backup.PowerShell.Commands.StopWildOperationCommand'
    }

    It 'reports a missing backup as BackupNotFound and an unknown instance as InstanceNotFound' {
        { Get-WildBackup nextcloud -ErrorAction Stop } | Should -Throw -ErrorId 'BackupNotFound,Wild.Backup.PowerShell.Commands.GetWildBackupCommand'
        { Get-WildApp -Instance other -ErrorAction Stop } | Should -Throw -ErrorId 'InstanceNotFound,Wild.Backup.PowerShell.Commands.GetWildAppCommand'
    }

    It 'goes back to local work after Disconnect-WildServer, while -Server still reaches the server' {
        Disconnect-WildServer
        { Get-WildApp -ErrorAction Stop } | Should -Throw
        $env:WILD_API_TOKEN = $token
        try { (Get-WildApp -Server $server).Count | Should -Be 4 } finally { Remove-Item env:WILD_API_TOKEN }
    }
}

Describe 'A server that cannot be reached' {
    It 'is a ConnectionError naming nothing secret' {
        $err = { Connect-WildServer 'http://127.0.0.1:9' -Token $secure -ErrorAction Stop } | Should -Throw -PassThru
        "$($err.CategoryInfo.Category)" | Should -Be 'ConnectionError'
        "$err" | Should -Not -Match $token
    }
}
