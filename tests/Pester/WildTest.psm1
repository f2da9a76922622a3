# Test support for the Pester suite: a sample instance, the simulated cluster behind it, a real wild-api server, a
# fresh pwsh. Everything the suite starts is a real process found in the repo's build output (tests/run-all.sh builds
# it); a missing build or a process that does not come up FAILS the test that needed it, saying why.
Set-StrictMode -Version Latest

$script:Repo = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..'))

function Get-WildModulePath {
    if ($env:WILDBACKUP_MODULE_PATH) { return $env:WILDBACKUP_MODULE_PATH }
    [IO.Path]::Combine($script:Repo, 'out', 'WildBackup', 'WildBackup.psd1')
}

function Get-WildPwsh { [IO.Path]::Combine($PSHOME, 'pwsh') }

function Get-WildBuiltProgram([string]$Project, [string]$Assembly) {
    foreach ($configuration in 'Debug', 'Release') {
        $dll = [IO.Path]::Combine($script:Repo, 'src', $Project, 'bin', $configuration, 'net10.0', "$Assembly.dll")
        if (Test-Path $dll) { return $dll }
    }
    throw "$Assembly is not built: run 'dotnet build WildBackup.slnx' (tests/run-all.sh does) before the Pester suite."
}

# A sample Wild Cloud instance 'demo-cloud' (four apps, config and secrets with comments) and an empty backup
# destination, in a fresh temp directory.
function New-WildWorld([int]$Seed = 11) {
    $root = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'wildbackup-pester-' + [guid]::NewGuid().ToString('N'))
    $data = [IO.Path]::Combine($root, 'data')
    $dest = [IO.Path]::Combine($root, 'nas')
    [void][IO.Directory]::CreateDirectory($dest)
    $sample = [Wild.Backup.Core.Samples.SampleInstance]::Write($data, 'demo-cloud', $Seed)
    [pscustomobject]@{ Root = $root; Data = $data; Dest = $dest; Instance = $sample.Item1; Secrets = @($sample.Item2) }
}

function Remove-WildWorld($World) {
    if ($World -and [IO.Directory]::Exists($World.Root)) { [IO.Directory]::Delete($World.Root, $true) }
}

# Starts a background process, its output going to a log file, and waits until a line of it matches $Ready; throws with
# the output if the process exits or stays silent for $TimeoutSeconds.
function Start-WildProcess([string]$File, [string[]]$Arguments, [string]$Ready, [int]$TimeoutSeconds = 60, [hashtable]$Environment = @{}) {
    $log = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'wildbackup-pester-' + [guid]::NewGuid().ToString('N') + '.log')
    $psi = [Diagnostics.ProcessStartInfo]::new('bash')
    foreach ($a in @('-c', 'exec "$0" "$@" >"$WILD_TEST_LOG" 2>&1', $File) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.Environment['WILD_TEST_LOG'] = $log
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $process = [Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $lines = if (Test-Path $log) { @([IO.File]::ReadAllLines($log)) } else { @() }
        $match = $lines | Where-Object { $_ -match $Ready } | Select-Object -First 1
        if ($match) { break }
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $why = if ($process.HasExited) { "exited with $($process.ExitCode)" } else { "did not say it was ready within $TimeoutSeconds s" }
            if (-not $process.HasExited) { $process.Kill($true) }
            throw "$File $($Arguments -join ' ') $why. Output:`n$($lines -join "`n")"
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Process = $process; Log = $log; ReadyLine = $match }
}

function Stop-WildProcess($Started) {
    if (-not $Started) { return }
    if (-not $Started.Process.HasExited) {
        # SIGTERM first: the simulator and wild-api stop cleanly on it.
        & kill -TERM $Started.Process.Id 2>$null
        if (-not $Started.Process.WaitForExit(15000)) { $Started.Process.Kill($true); [void]$Started.Process.WaitForExit(5000) }
    }
    $Started.Process.Dispose()
    Remove-Item -Force -ErrorAction SilentlyContinue $Started.Log
}

# A real wild-api on a free loopback port over $DataDir; returns the started process with its Uri.
# With a token, it goes in the server's environment (WILD_API_TOKEN), never on a command line.
function Start-WildApi([string]$DataDir, [string]$Destination, [hashtable]$Environment = @{}) {
    $dll = Get-WildBuiltProgram 'Wild.Backup.Api' 'wild-api'
    $started = Start-WildProcess 'dotnet' @($dll, '--urls', 'http://127.0.0.1:0', '--data-dir', $DataDir, '--destination', $Destination) -Ready 'wild-api listening on (\S+)' -Environment $Environment
    [void]($started.ReadyLine -match 'wild-api listening on (\S+)')
    $started | Add-Member -NotePropertyName Uri -NotePropertyValue ([uri]$Matches[1]) -PassThru
}

# The simulated cluster (Kubernetes API server + Longhorn) behind an instance, as after Wild Cloud's cluster setup:
# the simulator's own CLI writes its kubeconfig into the instance, Longhorn's backup target is $BackupTarget. The apps'
# claims are made 64Mi first (as the demo does) so volume backups take seconds.
function Start-WildCluster([string]$InstancePath, [string]$BackupTarget) {
    foreach ($file in [IO.Directory]::GetFiles([IO.Path]::Combine($InstancePath, 'apps'), '*.yaml', 'AllDirectories')) {
        $text = [IO.File]::ReadAllText($file)
        $shrunk = [regex]::Replace($text, '(?m)^(\s*storage:\s*)\d+(Gi|Ti|G|T)\s*$', '${1}64Mi')
        if ($shrunk -ne $text) { [IO.File]::WriteAllText($file, $shrunk) }
    }
    [void][IO.Directory]::CreateDirectory($BackupTarget)
    $dll = Get-WildBuiltProgram 'Wild.Backup.Simulator' 'wild-simulator'
    $kubeconfig = [IO.Path]::Combine($InstancePath, 'kubeconfig')
    $started = Start-WildProcess 'dotnet' @($dll, '--kubeconfig', $kubeconfig, '--backup-dir', $BackupTarget, '--poll-interval', '2s') -Ready 'Press Ctrl-C to stop' -TimeoutSeconds 120
    $started | Add-Member -NotePropertyName Kubeconfig -NotePropertyValue $kubeconfig -PassThru
}

# Deploys an app of the instance as `wild app deploy` does — its kustomize directory applied server-side — with the
# real kubectl, and waits until its workloads are rolled out.
function Deploy-WildApp($Cluster, [string]$InstancePath, [string]$App) {
    $output = & kubectl --kubeconfig $Cluster.Kubeconfig apply --server-side --field-manager wild -k ([IO.Path]::Combine($InstancePath, 'apps', $App)) 2>&1
    if ($LASTEXITCODE -ne 0) { throw "kubectl apply of $App failed: $output" }
    foreach ($kind in 'statefulset', 'deployment') {
        $names = & kubectl --kubeconfig $Cluster.Kubeconfig get $kind -n $App -o name 2>&1
        foreach ($n in @($names | Where-Object { $_ })) {
            $status = & kubectl --kubeconfig $Cluster.Kubeconfig rollout status $n -n $App --timeout=120s 2>&1
            if ($LASTEXITCODE -ne 0) { throw "$n of $App did not roll out: $status" }
        }
    }
}

# Runs a script in a fresh pwsh (no profile) and returns its exit code and output. With -Answers, pwsh is interactive and
# reads those lines from standard input as a person's answers to its prompts.
function Invoke-FreshPwsh([string]$Command, [hashtable]$Environment = @{}, [int]$TimeoutSeconds = 300, [string[]]$Answers) {
    $psi = [Diagnostics.ProcessStartInfo]::new((Get-WildPwsh))
    $mode = if ($Answers) { @() } else { @('-NonInteractive') }
    foreach ($a in @('-NoProfile') + $mode + @('-Command', $Command)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [Diagnostics.Process]::Start($psi)
    foreach ($line in $Answers) { $p.StandardInput.WriteLine($line) }
    $p.StandardInput.Close()
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) { $p.Kill($true); throw "pwsh did not finish within $TimeoutSeconds s: $Command" }
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $stdout.Result; Error = $stderr.Result }
}

# Polls $Condition until it returns true; throws $Message after $TimeoutSeconds.
function Wait-WildCondition([scriptblock]$Condition, [string]$Message, [int]$TimeoutSeconds = 60) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s: $Message" }
        Start-Sleep -Milliseconds 100
    }
}

Export-ModuleMember -Function *
