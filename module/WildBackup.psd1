@{
    RootModule           = 'Wild.Backup.PowerShell.dll'
    ModuleVersion        = '0.0.0' # stamped at build time from <Version> in Directory.Build.props
    GUID                 = '5d6b0a4e-8f6f-4d63-9a53-2f7c3e0b9a11'
    Author               = 'WildBackup'
    CompanyName          = 'WildBackup'
    Copyright            = '(c) WildBackup contributors. Apache-2.0.'
    Description          = 'Disaster recovery for Wild Cloud instances: verified, latest-only backups of apps and cluster configuration to a directory or NFS share, and restore.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('WildBackup.format.ps1xml')
    NestedModules        = @('WildBackup.Wild.psm1')
    CmdletsToExport      = @(
        'Get-WildInstance'
        'Get-WildApp'
        'Backup-WildApp'
        'Backup-WildCluster'
        'Restore-WildCluster'
        'Restore-WildApp'
        'Switch-WildRestore'
        'Complete-WildRestore'
        'Get-WildRestore'
        'Get-WildBackup'
        'Test-WildBackup'
        'Test-WildBackupDestination'
        'Export-WildVolume'
        'Get-WildOperation'
        'Wait-WildOperation'
        'Stop-WildOperation'
        'Connect-WildServer'
        'Disconnect-WildServer'
    )
    FunctionsToExport    = @('wild')
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Backup', 'DisasterRecovery', 'Kubernetes', 'Longhorn', 'NFS', 'WildCloud')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ProjectUri   = 'https://github.com/civilsociety-dev/wild-cloud'
            ReleaseNotes = 'Backups of Wild Cloud apps (configuration and Longhorn volumes) and cluster configuration to a directory or NFS, verified and latest-only; blue-green app restore; operations with progress; remote mode against wild-api. Full help: Get-Help about_WildBackup.'
        }
    }
}
