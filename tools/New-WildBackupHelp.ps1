#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Writes the cmdlets' MAML help (en-US/Wild.Backup.PowerShell.dll-Help.xml) into a built module folder.
.DESCRIPTION
    The one source of the cmdlets' help is their C# doc comments (docs/DEVELOPERS.md, "Help"):
      class     <summary> synopsis, <remarks> description (<para> paragraphs), <example> (<code>, <para> remarks, one
                per example, at least two), <returns> what the objects of its [OutputType] are, <seealso cref="…"/>
                related cmdlets
      property  <summary> the parameter's description, <value> its default when it has one
    What PowerShell knows about each cmdlet (parameter sets, types, positions, pipeline binding, wildcards, aliases,
    [OutputType]) comes from the module itself, imported here, so the help always matches the code. Inputs are the
    pipeline-bound parameters. -WhatIf/-Confirm get PowerShell's usual text.
    A cmdlet or parameter without its doc comment gets a warning here, and the Pester suite (Help.Tests.ps1) fails.
    Run by ./build.ps1 after publishing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [string]$Culture = 'en-US'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module ([IO.Path]::Combine($ModulePath, 'WildBackup.psd1')) -PassThru -Force
$assemblyFile = [IO.Path]::Combine($ModulePath, $module.RootModule)
$docFile = [IO.Path]::ChangeExtension($assemblyFile, '.xml')
if (-not (Test-Path $docFile)) { throw "No doc comments at ${docFile}: build the module with GenerateDocumentationFile." }
$docs = @{}
foreach ($member in ([xml](Get-Content -Raw $docFile)).doc.members.member) { $docs[$member.name] = $member }

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$out = [Xml.XmlDocument]::new()
[void]$out.AppendChild($out.CreateXmlDeclaration('1.0', 'utf-8', $null))
$root = $out.AppendChild($out.CreateElement('helpItems', 'http://msh'))
$root.SetAttribute('schema', 'maml')

function Add([Xml.XmlNode]$parent, [string]$qualified, [string]$ns, [string]$text) {
    $e = $out.CreateElement($qualified, $ns)
    if ($null -ne $text) { $e.InnerText = $text }
    [void]$parent.AppendChild($e)
    $e
}

# Doc-comment XML to plain text: <see cref="T:…Command"/> becomes the cmdlet's name, <c>x</c> x, whitespace folded.
function Text([Xml.XmlNode]$node) {
    if ($null -eq $node) { return '' }
    $clone = $node.CloneNode($true)
    foreach ($see in @($clone.SelectNodes('.//see | .//seealso'))) {
        $name = if ($see.HasAttribute('cref')) { Cmdlet-Name $see.GetAttribute('cref') } else { $see.GetAttribute('langword') }
        [void]$see.ParentNode.ReplaceChild($clone.OwnerDocument.CreateTextNode($name), $see)
    }
    ($clone.InnerText -replace '\s+', ' ').Trim()
}

function Paragraphs([Xml.XmlNode]$node) {
    if ($null -eq $node) { return @() }
    $paras = @($node.SelectNodes('para'))
    if ($paras.Count -eq 0) { return @(Text $node) }
    $paras | ForEach-Object { Text $_ }
}

function Add-Paras([Xml.XmlNode]$parent, [string[]]$paras) {
    $d = Add $parent 'maml:description' $maml $null
    foreach ($p in $paras) { [void](Add $d 'maml:para' $maml $p) }
    $d
}

function Cmdlet-Name([string]$cref) {
    $typeName = $cref -replace '^T:', ''
    $found = $module.ExportedCmdlets.Values | Where-Object { $_.ImplementingType.FullName -eq $typeName } | Select-Object -First 1
    if ($found) { $found.Name } else { $typeName.Split('.')[-1] }
}

function Type-Name([type]$t) {
    if ($t.IsGenericType -and $t.GetGenericTypeDefinition() -eq [Nullable`1]) { $t = $t.GetGenericArguments()[0] }
    $t.FullName
}

# PowerShell's own wording for the risk-mitigation parameters.
$riskHelp = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
$common = [Management.Automation.Cmdlet]::CommonParameters

function Parameter-Doc([type]$type, [string]$name) {
    if ($riskHelp.ContainsKey($name)) { return @{ Text = $riskHelp[$name]; Default = 'False' } }
    $property = $type.GetProperty($name)
    if ($null -eq $property) { return $null }
    $doc = $docs["P:$($property.DeclaringType.FullName).$name"]
    if ($null -eq $doc -or -not $doc['summary']) { return $null }
    @{ Text = Text $doc['summary']; Default = if ($doc['value']) { Text $doc['value'] } else { 'None' } }
}

function Pipeline-Input([Management.Automation.ParameterAttribute[]]$attributes) {
    $byValue = @($attributes | Where-Object ValueFromPipeline).Count -gt 0
    $byName = @($attributes | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
    if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
}

function Add-Parameter([Xml.XmlNode]$parent, [type]$type, [Management.Automation.ParameterMetadata]$p, [Management.Automation.ParameterAttribute[]]$attributes) {
    $doc = Parameter-Doc $type $p.Name
    $isSwitch = $p.SwitchParameter
    $position = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Select-Object -First 1)
    $e = Add $parent 'command:parameter' $cmd $null
    $e.SetAttribute('required', ([string](@($attributes | Where-Object Mandatory).Count -gt 0)).ToLowerInvariant())
    $e.SetAttribute('variableLength', ([string]$p.ParameterType.IsArray).ToLowerInvariant())
    $e.SetAttribute('globbing', ([string](@($p.Attributes | Where-Object { $_ -is [Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0)).ToLowerInvariant())
    $e.SetAttribute('pipelineInput', (Pipeline-Input $attributes))
    $e.SetAttribute('position', $(if ($position.Count -gt 0) { [string]$position[0] } else { 'named' }))
    $e.SetAttribute('aliases', $(if ($p.Aliases.Count -gt 0) { $p.Aliases -join ', ' } else { 'none' }))
    [void](Add $e 'maml:name' $maml $p.Name)
    [void](Add-Paras $e @($(if ($doc) { $doc.Text } else { '' })))
    if (-not $isSwitch) {
        $v = Add $e 'command:parameterValue' $cmd (Type-Name $p.ParameterType).Split('.')[-1]
        $v.SetAttribute('required', 'true')
        $v.SetAttribute('variableLength', ([string]$p.ParameterType.IsArray).ToLowerInvariant())
    }
    $t = Add $e 'dev:type' $dev $null
    [void](Add $t 'maml:name' $maml (Type-Name $p.ParameterType))
    [void](Add $t 'maml:uri' $maml '')
    [void](Add $e 'dev:defaultValue' $dev $(if ($doc) { $doc.Default } else { 'None' }))
}

$problems = [Collections.Generic.List[string]]::new()
foreach ($c in $module.ExportedCmdlets.Values | Sort-Object Name) {
    $type = $c.ImplementingType
    $typeDoc = $docs["T:$($type.FullName)"]
    $visible = @($c.Parameters.Values | Where-Object { $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and $_.DontShow }) })
    if ($null -eq $typeDoc -or -not $typeDoc['summary']) { $problems.Add("$($c.Name): no <summary> on $($type.FullName)") }
    if ($null -eq $typeDoc -or -not $typeDoc['remarks']) { $problems.Add("$($c.Name): no <remarks> (description)") }
    $examples = @(if ($typeDoc) { $typeDoc.SelectNodes('example') })
    if ($examples.Count -lt 2) { $problems.Add("$($c.Name): $($examples.Count) <example>s, at least 2 are needed") }
    foreach ($p in $visible) { if (-not (Parameter-Doc $type $p.Name)) { $problems.Add("$($c.Name) -$($p.Name): no <summary> on the property") } }

    $command = Add $root 'command:command' $cmd $null
    $command.SetAttribute('xmlns:maml', $maml)
    $command.SetAttribute('xmlns:dev', $dev)
    $details = Add $command 'command:details' $cmd $null
    [void](Add $details 'command:name' $cmd $c.Name)
    [void](Add $details 'command:verb' $cmd $c.Verb)
    [void](Add $details 'command:noun' $cmd $c.Noun)
    [void](Add-Paras $details @(Text $(if ($typeDoc) { $typeDoc['summary'] })))
    [void](Add-Paras $command @(Paragraphs $(if ($typeDoc) { $typeDoc['remarks'] })))

    $syntax = Add $command 'command:syntax' $cmd $null
    foreach ($set in $c.ParameterSets) {
        $item = Add $syntax 'command:syntaxItem' $cmd $null
        [void](Add $item 'maml:name' $maml $c.Name)
        foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common }) {
            $meta = $c.Parameters[$sp.Name]
            if ($meta -notin $visible) { continue }
            $inSet = @($meta.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and ($_.ParameterSetName -eq $set.Name -or $_.ParameterSetName -eq '__AllParameterSets') })
            Add-Parameter $item $type $meta $inSet
        }
    }
    $parameters = Add $command 'command:parameters' $cmd $null
    foreach ($p in $visible | Sort-Object Name) {
        Add-Parameter $parameters $type $p @($p.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] })
    }

    $inputs = Add $command 'command:inputTypes' $cmd $null
    $piped = @($visible | Where-Object { $_.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) } })
    if ($piped.Count -eq 0) {
        $i = Add $inputs 'command:inputType' $cmd $null
        $t = Add $i 'dev:type' $dev $null
        [void](Add $t 'maml:name' $maml 'None')
        [void](Add-Paras $i @('You cannot pipe objects to this cmdlet.'))
    }
    foreach ($p in $piped) {
        $attrs = @($p.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] })
        $how = if (@($attrs | Where-Object ValueFromPipeline).Count -gt 0) { "as -$($p.Name), or an object with a $($p.Name) property" } else { "from the $($p.Name) property of piped objects" }
        $i = Add $inputs 'command:inputType' $cmd $null
        $t = Add $i 'dev:type' $dev $null
        [void](Add $t 'maml:name' $maml (Type-Name $p.ParameterType))
        [void](Add-Paras $i @("Bound $how."))
    }

    $returns = Add $command 'command:returnValues' $cmd $null
    $outputTypes = @($c.OutputType | ForEach-Object Name)
    if ($outputTypes.Count -eq 0) { $outputTypes = @('None') }
    foreach ($o in $outputTypes) {
        $r = Add $returns 'command:returnValue' $cmd $null
        $t = Add $r 'dev:type' $dev $null
        [void](Add $t 'maml:name' $maml $o)
        [void](Add-Paras $r @($(if ($typeDoc -and $typeDoc['returns']) { Text $typeDoc['returns'] } elseif ($o -eq 'None') { 'This cmdlet returns no output.' } else { '' })))
    }
    if ($outputTypes -ne @('None') -and -not ($typeDoc -and $typeDoc['returns'])) { $problems.Add("$($c.Name): no <returns> describing its output") }

    $alerts = Add $command 'maml:alertSet' $maml $null
    [void](Add $alerts 'maml:title' $maml '')
    $alert = Add $alerts 'maml:alert' $maml $null
    [void](Add $alert 'maml:para' $maml 'Errors are ErrorRecords with a stable ErrorId (FullyQualifiedErrorId "<ErrorId>,<cmdlet class>") and a category. Defaults for -DataDir, -Instance and -Destination, progress, and remote mode: Get-Help about_WildBackup.')

    $exampleList = Add $command 'command:examples' $cmd $null
    $n = 0
    foreach ($ex in $examples) {
        $n++
        $e = Add $exampleList 'command:example' $cmd $null
        $title = if ($ex.HasAttribute('title')) { $ex.GetAttribute('title') } else { '' }
        [void](Add $e 'maml:title' $maml ("-------------------------- Example $n$(if ($title) { ": $title" }) --------------------------"))
        $code = ($ex['code'].InnerText -split "`r?`n" | ForEach-Object { $_.TrimEnd() })
        $indent = ($code | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
        [void](Add $e 'dev:code' $dev ((($code | ForEach-Object { if ($_.Length -ge $indent) { $_.Substring($indent) } else { $_.Trim() } }) -join "`n").Trim()))
        $remarks = Add $e 'dev:remarks' $dev $null
        foreach ($p in $ex.SelectNodes('para')) { [void](Add $remarks 'maml:para' $maml (Text $p)) }
    }

    $links = Add $command 'command:relatedLinks' $cmd $null
    foreach ($see in @(if ($typeDoc) { $typeDoc.SelectNodes('seealso') })) {
        $l = Add $links 'maml:navigationLink' $maml $null
        [void](Add $l 'maml:linkText' $maml (Cmdlet-Name $see.GetAttribute('cref')))
        [void](Add $l 'maml:uri' $maml '')
    }
    $l = Add $links 'maml:navigationLink' $maml $null
    [void](Add $l 'maml:linkText' $maml 'about_WildBackup')
    [void](Add $l 'maml:uri' $maml '')
}

$target = [IO.Path]::Combine($ModulePath, $Culture, [IO.Path]::GetFileName($assemblyFile) + '-Help.xml')
[void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
$writer = [Xml.XmlWriter]::Create($target, $settings)
try { $out.Save($writer) } finally { $writer.Dispose() }
foreach ($p in $problems) { Write-Warning "help: $p (docs/DEVELOPERS.md, 'Help')" }
Write-Host "Help written: $target ($($module.ExportedCmdlets.Count) cmdlets)"
