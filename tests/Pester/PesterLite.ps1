# PesterLite: runs Pester 5-style test files where Pester itself cannot be installed.
#
# Pester is not on NuGet and the PowerShell Gallery is unreachable from our build machines, so CI runs the files in
# tests/Pester with this small runner, hosted in the real PowerShell engine (see tests/Unit/Wild.Backup.PowerShell.Tests/
# PesterTests.cs). The files use only Pester 5 syntax and run unchanged under real Pester:  Invoke-Pester ./tests/Pester
#
# Supported: Describe, Context, It (-TestCases, -Skip, <name> templates), BeforeAll, AfterAll, BeforeEach, AfterEach,
# and Should with -Not and -Be, -BeExactly, -BeNullOrEmpty, -BeTrue, -BeFalse, -HaveCount, -Contain, -BeIn, -Match,
# -BeLike, -BeGreaterThan, -BeLessThan, -BeGreaterOrEqual, -BeLessOrEqual, -BeOfType, -Throw (-ExpectedMessage, -ErrorId).
# It uses only the engine's core commands, because Microsoft.PowerShell.Utility is absent in a hosted engine.
#
# Usage (dot-source, then):  Invoke-PesterLite -Path ./tests/Pester/WildBackup.Tests.ps1   → one result object per It.

$script:PesterLiteStack = $null

function New-PesterLiteBlock([string]$Name, [string]$Kind) {
    [pscustomobject]@{
        Name = $Name; Kind = $Kind; Body = $null; Skip = $false; TestCases = $null
        BeforeAll = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach = [System.Collections.Generic.List[scriptblock]]::new()
        Children = [System.Collections.Generic.List[object]]::new()
    }
}

function Get-PesterLiteCurrent {
    if ($null -eq $script:PesterLiteStack -or $script:PesterLiteStack.Count -eq 0) { throw 'Describe/It/BeforeAll used outside Invoke-PesterLite' }
    $script:PesterLiteStack[$script:PesterLiteStack.Count - 1]
}

function Add-PesterLiteBlock([string]$Name, [string]$Kind, [scriptblock]$Fixture) {
    $block = New-PesterLiteBlock $Name $Kind
    (Get-PesterLiteCurrent).Children.Add($block)
    $script:PesterLiteStack.Add($block)
    try { . $Fixture } finally { $script:PesterLiteStack.RemoveAt($script:PesterLiteStack.Count - 1) }
}

function Describe {
    param([Parameter(Mandatory, Position = 0)][string]$Name, [Parameter(Position = 1)][scriptblock]$Fixture, [string[]]$Tag)
    Add-PesterLiteBlock $Name 'Describe' $Fixture
}

function Context {
    param([Parameter(Mandatory, Position = 0)][string]$Name, [Parameter(Position = 1)][scriptblock]$Fixture, [string[]]$Tag)
    Add-PesterLiteBlock $Name 'Context' $Fixture
}

function It {
    param([Parameter(Mandatory, Position = 0)][string]$Name, [Parameter(Position = 1)][scriptblock]$Test, [hashtable[]]$TestCases, [switch]$Skip, [string[]]$Tag)
    $it = New-PesterLiteBlock $Name 'It'
    $it.Body = $Test; $it.Skip = [bool]$Skip; $it.TestCases = $TestCases
    (Get-PesterLiteCurrent).Children.Add($it)
}

function BeforeAll { param([Parameter(Mandatory, Position = 0)][scriptblock]$Scriptblock) (Get-PesterLiteCurrent).BeforeAll.Add($Scriptblock) }
function AfterAll { param([Parameter(Mandatory, Position = 0)][scriptblock]$Scriptblock) (Get-PesterLiteCurrent).AfterAll.Add($Scriptblock) }
function BeforeEach { param([Parameter(Mandatory, Position = 0)][scriptblock]$Scriptblock) (Get-PesterLiteCurrent).BeforeEach.Add($Scriptblock) }
function AfterEach { param([Parameter(Mandatory, Position = 0)][scriptblock]$Scriptblock) (Get-PesterLiteCurrent).AfterEach.Add($Scriptblock) }

function Format-PesterLiteValue($Value) {
    if ($null -eq $Value) { return '$null' }
    if ($Value -is [string]) { return "'$Value'" }
    if ($Value -is [System.Collections.IEnumerable]) { return '@(' + ((@($Value) | ForEach-Object { Format-PesterLiteValue $_ }) -join ', ') + ')' }
    return "$Value"
}

function Should {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline = $true)] $ActualValue,
        [switch]$Not,
        $Be, $BeExactly, [switch]$BeNullOrEmpty, [switch]$BeTrue, [switch]$BeFalse, $HaveCount, $Contain, $BeIn,
        [string]$Match, [string]$BeLike, $BeGreaterThan, $BeLessThan, $BeGreaterOrEqual, $BeLessOrEqual, $BeOfType,
        [switch]$Throw, [string]$ExpectedMessage, [string]$ErrorId, [string]$Because
    )
    begin { $items = [System.Collections.Generic.List[object]]::new(); $piped = $false }
    process { if ($PSCmdlet.MyInvocation.ExpectingInput) { $piped = $true; $items.Add($ActualValue) } }
    end {
        $bound = $PSBoundParameters
        $actual = if ($items.Count -eq 0) { $null } elseif ($items.Count -eq 1) { $items[0] } else { $items.ToArray() }
        $why = if ($Because) { " because $Because" } else { '' }
        $ok = $true; $what = ''
        function Same($a, $b, [bool]$exact) {
            $aa = @($a); $bb = @($b)
            if ($aa.Count -ne $bb.Count) { return $false }
            for ($i = 0; $i -lt $aa.Count; $i++) {
                if ($exact) { if (-not ($aa[$i] -ceq $bb[$i])) { return $false } }
                elseif (-not ($aa[$i] -eq $bb[$i])) { return $false }
            }
            return $true
        }
        if ($bound.ContainsKey('Be')) { $ok = Same $actual $Be $false; $what = "be $(Format-PesterLiteValue $Be)" }
        elseif ($bound.ContainsKey('BeExactly')) { $ok = Same $actual $BeExactly $true; $what = "be exactly $(Format-PesterLiteValue $BeExactly)" }
        elseif ($BeNullOrEmpty) { $ok = $items.Count -eq 0 -or ($items.Count -eq 1 -and ($null -eq $items[0] -or "$($items[0])" -eq '' -or ($items[0] -is [System.Collections.ICollection] -and $items[0].Count -eq 0))); $what = 'be null or empty' }
        elseif ($BeTrue) { $ok = [bool]$actual -eq $true; $what = 'be true' }
        elseif ($BeFalse) { $ok = [bool]$actual -eq $false; $what = 'be false' }
        elseif ($bound.ContainsKey('HaveCount')) { $ok = $items.Count -eq $HaveCount; $what = "have count $HaveCount (had $($items.Count))" }
        elseif ($bound.ContainsKey('Contain')) { $ok = @($items | Where-Object { $_ -eq $Contain }).Count -gt 0; $what = "contain $(Format-PesterLiteValue $Contain)" }
        elseif ($bound.ContainsKey('BeIn')) { $ok = @($BeIn) -contains $actual; $what = "be in $(Format-PesterLiteValue $BeIn)" }
        elseif ($bound.ContainsKey('Match')) { $ok = "$actual" -match $Match; $what = "match '$Match'" }
        elseif ($bound.ContainsKey('BeLike')) { $ok = "$actual" -like $BeLike; $what = "be like '$BeLike'" }
        elseif ($bound.ContainsKey('BeGreaterThan')) { $ok = $actual -gt $BeGreaterThan; $what = "be greater than $BeGreaterThan" }
        elseif ($bound.ContainsKey('BeLessThan')) { $ok = $actual -lt $BeLessThan; $what = "be less than $BeLessThan" }
        elseif ($bound.ContainsKey('BeGreaterOrEqual')) { $ok = $actual -ge $BeGreaterOrEqual; $what = "be greater or equal to $BeGreaterOrEqual" }
        elseif ($bound.ContainsKey('BeLessOrEqual')) { $ok = $actual -le $BeLessOrEqual; $what = "be less or equal to $BeLessOrEqual" }
        elseif ($bound.ContainsKey('BeOfType')) { $type = if ($BeOfType -is [type]) { $BeOfType } else { [type]"$BeOfType" }; $ok = $actual -is $type; $what = "be of type $type" }
        elseif ($Throw) {
            if ($actual -isnot [scriptblock]) { throw 'Should -Throw needs a script block piped in' }
            $thrown = $null
            try { & $actual } catch { $thrown = $_ }
            $ok = $null -ne $thrown
            $what = 'throw'
            if ($ok -and $ExpectedMessage) { $ok = $thrown.Exception.Message -like $ExpectedMessage; $what = "throw a message like '$ExpectedMessage' (got '$($thrown.Exception.Message)')" }
            if ($ok -and $ErrorId) { $ok = $thrown.FullyQualifiedErrorId -like "*$ErrorId*" -or $thrown.FullyQualifiedErrorId -like $ErrorId; $what = "throw error id '$ErrorId' (got '$($thrown.FullyQualifiedErrorId)')" }
            if ($Not) { $what = "not throw (threw '$($thrown.Exception.Message)')" }
        }
        else { throw 'Should: no supported operator given' }
        if ($Not) { $ok = -not $ok }
        if (-not $ok) {
            $expectation = if ($Not -and -not $Throw) { "not $what" } else { $what }
            throw [System.Exception]::new("Expected $(Format-PesterLiteValue $actual) to $expectation$why.")
        }
    }
}

function Invoke-PesterLiteIt($It, [string]$Path, $Before, $After) {
    $cases = if ($It.TestCases) { $It.TestCases } else { , @{} }
    foreach ($case in $cases) {
        $name = $It.Name
        foreach ($k in $case.Keys) { $name = $name.Replace("<$k>", "$($case[$k])") }
        if ($It.Skip) { [pscustomobject]@{ Path = "$Path $name"; Passed = $true; Skipped = $true; Error = $null }; continue }
        $err = & {
            param($case, $Before, $After, $body)
            foreach ($k in $case.Keys) { $ExecutionContext.SessionState.PSVariable.Set($k, $case[$k]) }
            try {
                foreach ($b in $Before) { . $b }
                . $body
                $null
            } catch { $_ } finally {
                foreach ($a in $After) { try { . $a } catch { } }
            }
        } $case $Before $After $It.Body
        [pscustomobject]@{ Path = "$Path $name"; Passed = $null -eq $err; Skipped = $false; Error = if ($err) { "$($err.Exception.Message) ($($err.InvocationInfo.PositionMessage))" } else { $null } }
    }
}

function Invoke-PesterLiteBlock($Block, [string]$Path, $Before, $After) {
    & {
        param($Block, $Path, $Before, $After)
        $setupError = $null
        try { foreach ($b in $Block.BeforeAll) { . $b } } catch { $setupError = $_ }
        $allBefore = @($Before) + @($Block.BeforeEach)
        $allAfter = @($Block.AfterEach) + @($After)
        foreach ($child in $Block.Children) {
            $childPath = if ($Path) { "$Path $($child.Name)" } else { $child.Name }
            if ($setupError) {
                [pscustomobject]@{ Path = $childPath; Passed = $false; Skipped = $false; Error = "BeforeAll failed: $($setupError.Exception.Message)" }
            } elseif ($child.Kind -eq 'It') {
                Invoke-PesterLiteIt $child $Path $allBefore $allAfter
            } else {
                Invoke-PesterLiteBlock $child $childPath $allBefore $allAfter
            }
        }
        foreach ($a in $Block.AfterAll) {
            try { . $a } catch { [pscustomobject]@{ Path = "$Path (AfterAll)"; Passed = $false; Skipped = $false; Error = $_.Exception.Message } }
        }
    } $Block $Path $Before $After
}

function Invoke-PesterLite {
    param([Parameter(Mandatory)][string[]]$Path)
    foreach ($file in $Path) {
        $root = New-PesterLiteBlock ([System.IO.Path]::GetFileName($file)) 'File'
        $script:PesterLiteStack = [System.Collections.Generic.List[object]]::new()
        $script:PesterLiteStack.Add($root)
        # Discovery: run the file; Describe/It/BeforeAll register themselves. $PSScriptRoot is the file's folder.
        . $file
        $script:PesterLiteStack = $null
        Invoke-PesterLiteBlock $root '' @() @()
    }
}
