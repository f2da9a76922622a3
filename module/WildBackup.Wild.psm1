<#
.SYNOPSIS
    The design's `wild …` command lines inside PowerShell, each mapped to its cmdlet.
.DESCRIPTION
    wild app backup <app> [<app>…]                      Backup-WildApp <app>
    wild app backup --all                               Backup-WildApp -All
    wild app backup <app> --export-images               Backup-WildApp -ExportImages (also volumes/{pvc}.qcow2)
    wild app export-volume <app> [--claim <pvc>] [--path <file>] [--format qcow2|raw] [--backup-target <dir|nfs://…>]
                                                        Export-WildVolume (disk images from Longhorn's block store)
    wild cluster backup                                 Backup-WildCluster
    wild app restore <app> [--from-instance <name>]     Restore-WildApp (blue-green: creates <app>-restore)
    wild cluster restore [--from-instance <name>]       Restore-WildCluster
    wild app restore-switch <app>                       Switch-WildRestore (switch to the restored version)
    wild app restore-cleanup <app>                      Complete-WildRestore (remove the old deployment)
    wild app restore-status <app>                       Get-WildRestore (blue-green state and health)
    wild app list                                       Get-WildApp
    wild backup list                                    Get-WildBackup
    wild backup test [<app>…]                           Test-WildBackup
    wild op list | wild op wait <id> | wild op stop <id>   Get-/Wait-/Stop-WildOperation

    Options for every verb: --instance <name>, --data-dir <dir>, --destination <dir or nfs://…>, --server <url>,
    --timeout <seconds>. -WhatIf and -Confirm work as on the cmdlets.

    Every other command (wild app deploy, wild instance list, wild config get, …) belongs to the Wild Cloud CLI: it is
    passed, arguments unchanged, to the `wild` program on PATH when there is one.
.PARAMETER Arguments
    The command line after "wild": a noun and a verb (app backup, backup list, op wait, …), their targets, and options
    (--instance, --data-dir, --destination, --server, --from-instance, --timeout, --all). "wild help" prints the usage.
.PARAMETER WhatIf
    Shows what the mapped cmdlet would do, and changes nothing.
.PARAMETER Confirm
    Asks before the mapped cmdlet changes anything (restore, switch and cleanup ask anyway).
.INPUTS
    None. You cannot pipe objects to wild.
.OUTPUTS
    What the mapped cmdlet returns: BackupInfo, BackupTestResult, WildApp, AppRestoreResult, OperationRecord, … ; the
    usage text for "wild help".
.EXAMPLE
    wild app backup gitea

    Backs up gitea, as Backup-WildApp gitea does.
.EXAMPLE
    wild backup list --destination $env:WILD_BACKUP_DEST

    Lists the latest backups on that destination, as Get-WildBackup -Destination does.
.EXAMPLE
    wild help

    Prints the usage above.
.LINK
    Backup-WildApp
.LINK
    about_WildBackup
#>
function wild {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low')]
    param([Parameter(ValueFromRemainingArguments = $true)][string[]]$Arguments)

    $words = [System.Collections.Generic.List[string]]::new()
    $options = @{}
    $flags = @{ '--instance' = 'Instance'; '--data-dir' = 'DataDir'; '--destination' = 'Destination'; '--server' = 'Server'; '--from-instance' = 'FromInstance'; '--timeout' = 'TimeoutSeconds'
        '--claim' = 'Claim'; '--path' = 'Path'; '--format' = 'Format'; '--backup-target' = 'BackupTarget' }

    # A command this module does not own goes to the Wild Cloud CLI (`wild` on PATH), untouched; its output and exit code
    # ($LASTEXITCODE) are the CLI's own.
    $owned = @('app backup', 'cluster backup', 'app export-volume', 'app restore', 'cluster restore', 'app restore-switch', 'app restore-cleanup', 'app restore-status',
        'app list', 'backup list', 'backup test', 'op list', 'op wait', 'op stop')
    $command = @(for ($i = 0; $i -lt @($Arguments).Count; $i++) {
            if ($flags.ContainsKey($Arguments[$i])) { $i++ } elseif (-not $Arguments[$i].StartsWith('-')) { $Arguments[$i] }
        })
    $isHelp = $command.Count -eq 0 -or $command[0] -eq 'help' -or @($Arguments | Where-Object { $_ -in @('-h', '--help') }).Count -gt 0
    if (-not $isHelp -and "$($command[0]) $($command[1])" -notin $owned) {
        $cli = @(Get-Command -Name wild -CommandType Application -ErrorAction SilentlyContinue)[0]
        if ($cli) {
            & $cli.Source @Arguments
            return
        }
        if ($command.Count -ge 2) {
            throw "wild: unknown command '$($command[0]) $($command[1])'. It is not a WildBackup command, and no 'wild' program (the Wild Cloud CLI) is on PATH to pass it to. See: wild help"
        }
    }

    for ($i = 0; $i -lt @($Arguments).Count; $i++) {
        $a = $Arguments[$i]
        if ($a -eq '--all') { $options['All'] = $true }
        elseif ($a -eq '--export-images') { $options['ExportImages'] = $true }
        elseif ($a -in @('-h', '--help', 'help')) { $words.Clear(); break }
        elseif ($flags.ContainsKey($a)) {
            if ($i + 1 -ge $Arguments.Count) { throw "wild: $a needs a value. See: wild help" }
            $options[$flags[$a]] = $Arguments[++$i]
        }
        elseif ($a.StartsWith('--')) { throw "wild: unknown option '$a'. See: wild help" }
        else { $words.Add($a) }
    }
    if ($words.Count -lt 2) {
        # The usage lives once, in the help above; Get-Help is a core command (Out-String is not, in hosted engines).
        return (Get-Help wild).description[0].Text
    }

    $noun, $verb = $words[0], $words[1]
    $targets = @(if ($words.Count -gt 2) { $words.GetRange(2, $words.Count - 2) })
    $common = @{}
    foreach ($k in 'Instance', 'DataDir', 'Server') { if ($options.ContainsKey($k)) { $common[$k] = $options[$k] } }
    $storage = $common.Clone()
    if ($options.ContainsKey('Destination')) { $storage['Destination'] = $options['Destination'] }
    $timeout = @{}
    if ($options.ContainsKey('TimeoutSeconds')) { $timeout['TimeoutSeconds'] = [int]$options['TimeoutSeconds'] }
    $from = @{}
    if ($options.ContainsKey('FromInstance')) { $from['FromInstance'] = $options['FromInstance'] }
    $images = @{}
    if ($options['ExportImages']) { $images['ExportImages'] = $true }
    $export = @{}
    foreach ($k in 'Claim', 'Path', 'Format', 'BackupTarget') { if ($options.ContainsKey($k)) { $export[$k] = $options[$k] } }

    switch ("$noun $verb") {
        'app backup' {
            if ($options['All']) { Backup-WildApp -All @storage @timeout @images }
            elseif ($targets.Count -gt 0) { Backup-WildApp -Name $targets @storage @timeout @images }
            else { throw 'wild app backup: name an app, or use --all.' }
        }
        'cluster backup' { Backup-WildCluster @storage @timeout }
        'app export-volume' { Need 'Export-WildVolume'; One $targets 'wild app export-volume'; Export-WildVolume -Name $targets[0] @storage @from @timeout @export }
        'app restore' { Need 'Restore-WildApp'; One $targets 'wild app restore'; Restore-WildApp -Name $targets[0] @storage @from @timeout }
        'cluster restore' { Restore-WildCluster @storage @from @timeout }
        'app restore-switch' { Need 'Switch-WildRestore'; One $targets 'wild app restore-switch'; Switch-WildRestore -Name $targets[0] @common @timeout }
        'app restore-cleanup' { Need 'Complete-WildRestore'; One $targets 'wild app restore-cleanup'; Complete-WildRestore -Name $targets[0] @common @timeout }
        'app restore-status' { One $targets 'wild app restore-status'; Get-WildRestore -Name $targets[0] @common }
        'app list' { Get-WildApp @common }
        'backup list' { Get-WildBackup @storage @from }
        'backup test' { if ($targets.Count -gt 0) { Test-WildBackup -Name $targets @storage @from } else { Test-WildBackup @storage @from } }
        'op list' { Get-WildOperation @common }
        'op wait' { One $targets 'wild op wait'; Wait-WildOperation -Id $targets[0] @common }
        'op stop' { One $targets 'wild op stop'; Stop-WildOperation -Id $targets[0] @common }
        default { throw "wild: unknown command '$noun $verb'. See: wild help" }
    }
}

function One([object[]]$targets, [string]$what) {
    if (@($targets).Count -ne 1) { throw "${what}: name exactly one app." }
}

function Need([string]$command) {
    if (-not (Get-Command $command -ErrorAction SilentlyContinue)) {
        throw "wild: $command is not available in this version of the module."
    }
}
