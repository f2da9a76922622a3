using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Wild.Backup.Core;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>Tab completion of instance names from the data dir given on the command line (or the default).</summary>
public sealed class InstanceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var names = new WildBackupEngine().GetInstances(fakeBoundParameters["DataDir"] as string).Select(i => i.Name);
            return Completion.Matching(names, wordToComplete);
        }
        catch (WildBackupException)
        {
            return [];
        }
    }
}

/// <summary>Tab completion of app names of the instance given on the command line (or the default one).</summary>
public sealed class AppNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var selector = new InstanceSelector(fakeBoundParameters["DataDir"] as string, fakeBoundParameters["Instance"] as string);
            return Completion.Matching(new WildBackupEngine().GetApps(selector).Select(a => a.Name), wordToComplete);
        }
        catch (WildBackupException)
        {
            return [];
        }
    }
}

internal static class Completion
{
    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> names, string word)
    {
        var pattern = new WildcardPattern((word ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return names.Where(pattern.IsMatch).Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n)).ToList();
    }
}
