using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace Wild.Backup.Shell;

/// <summary>A minimal console host: output, errors, warnings, verbose lines, yes/no prompts, and progress as one
/// line per milestone ("[ 50%] Backing up app gitea: Exporting data").</summary>
internal sealed class ConsoleHost : PSHost
{
    private readonly Guid _id = Guid.NewGuid();
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId => _id;
    public override string Name => "wild-shell";
    public override PSHostUserInterface UI { get; } = new ConsoleUI();
    public override Version Version => new(0, 1);
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) => Environment.Exit(exitCode);

    private sealed class ConsoleUI : PSHostUserInterface
    {
        private readonly Dictionary<long, string> _lastProgress = [];
        public override PSHostRawUserInterface RawUI { get; } = new ConsoleRawUI();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("wild-shell does not prompt for values; pass parameters.");
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Console.WriteLine($"{caption}\n{message}");
            for (var i = 0; i < choices.Count; i++) Console.Write($"[{i}] {choices[i].Label.Replace("&", "")}  ");
            Console.Write($"(default {defaultChoice}): ");
            return int.TryParse(Console.ReadLine(), out var c) && c >= 0 && c < choices.Count ? c : defaultChoice;
        }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
        public override string ReadLine() => Console.ReadLine() ?? "";
        public override SecureString ReadLineAsSecureString() => new();
        // Colour escapes only on a terminal; files and pipes get plain text.
        public override bool SupportsVirtualTerminal => !Console.IsOutputRedirected;
        public override void Write(string value) => Console.Write(GetOutputString(value, SupportsVirtualTerminal));
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) => Console.WriteLine(GetOutputString(value, SupportsVirtualTerminal));
        public override void WriteDebugLine(string message) => Console.WriteLine("DEBUG: " + message);
        public override void WriteErrorLine(string value) => Console.Error.WriteLine(value);
        public override void WriteVerboseLine(string message) => Console.WriteLine("VERBOSE: " + message);
        public override void WriteWarningLine(string message) => Console.WriteLine("WARNING: " + message);
        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            if (record.PercentComplete < 0) return; // activity without a percent (Get-Help): nothing to show
            // One line per milestone change, not per byte.
            var milestone = record.StatusDescription.Split(':')[0];
            var key = $"{record.ActivityId}|{milestone}|{(record.RecordType == ProgressRecordType.Completed ? 100 : -1)}";
            var id = ((long)sourceId << 16) ^ record.ActivityId;
            if (_lastProgress.TryGetValue(id, out var last) && last == key) return;
            _lastProgress[id] = key;
            var indent = record.ParentActivityId >= 0 ? "    " : "";
            Console.WriteLine($"{indent}[{record.PercentComplete,3}%] {record.Activity}: {record.StatusDescription}");
        }
    }

    private sealed class ConsoleRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override Size BufferSize { get => new(Width, 9999); set { } }
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new(Width, 50);
        public override Size MaxWindowSize => new(Width, 50);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get => new(Width, 50); set { } }
        public override string WindowTitle { get; set; } = "wild-shell";
        private static int Width => Console.IsOutputRedirected ? 160 : Math.Max(80, Console.WindowWidth);
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
