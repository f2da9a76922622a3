namespace Wild.Backup.Core.Progress;

/// <summary>A named point on an operation's 0–100 scale; a range milestone spans <see cref="Percent"/>..<see cref="EndPercent"/>.</summary>
public sealed record Milestone(int Percent, string Name, int EndPercent)
{
    public Milestone(int percent, string name) : this(percent, name, percent) { }

    /// <summary>The percent reached after <paramref name="done"/> of <paramref name="total"/> units inside a range milestone.</summary>
    public int At(long done, long total)
    {
        if (total <= 0 || EndPercent == Percent) return Percent;
        var frac = Math.Clamp((double)done / total, 0, 1);
        return Percent + (int)Math.Floor(frac * (EndPercent - Percent));
    }
}

/// <summary>The design's progress milestones, exactly (design.txt, "Operations Tracking").</summary>
public static class Milestones
{
    public static class Backup
    {
        public static readonly Milestone CreatingSnapshot = new(10, "Creating snapshot");
        public static readonly Milestone ConnectingToStorage = new(30, "Connecting to backup storage");
        public static readonly Milestone ExportingData = new(50, "Exporting data", 90);
        public static readonly Milestone Verifying = new(95, "Verifying backup");
        public static readonly Milestone Complete = new(100, "Cleanup and complete");
    }

    public static class Restore
    {
        public static readonly Milestone ValidatingBackup = new(10, "Validating backup");
        public static readonly Milestone CreatingNamespace = new(20, "Creating restore namespace");
        public static readonly Milestone ImportingVolumes = new(30, "Importing volumes", 70);
        public static readonly Milestone Deploying = new(80, "Deploying application");
        public static readonly Milestone WaitingForPods = new(90, "Waiting for pods ready");
        public static readonly Milestone Complete = new(100, "Restore complete");
    }

    /// <summary>Switching to a restored app (<c>restore_switch</c>); the design names no milestones for it.</summary>
    public static class Switch
    {
        public static readonly Milestone Checking = new(10, "Checking restored app");
        public static readonly Milestone SwappingDirectories = new(40, "Swapping directories");
        public static readonly Milestone SwitchingIngress = new(70, "Switching ingress");
        public static readonly Milestone Complete = new(100, "Switch complete");
    }

    /// <summary>Removing the old deployment after a switch (<c>restore_cleanup</c>).</summary>
    public static class Cleanup
    {
        public static readonly Milestone Checking = new(10, "Checking old deployment");
        public static readonly Milestone DeletingNamespace = new(30, "Deleting old namespace");
        public static readonly Milestone RemovingDirectory = new(95, "Removing old directory");
        public static readonly Milestone Complete = new(100, "Cleanup complete");
    }

    /// <summary>Writing a volume image from Longhorn's block store (<c>export_volume</c>).</summary>
    public static class ExportImage
    {
        public static readonly Milestone ReadingBackup = new(10, "Reading backup");
        public static readonly Milestone ConnectingToStore = new(20, "Connecting to Longhorn backup store");
        public static readonly Milestone WritingImage = new(30, "Writing image", 90);
        public static readonly Milestone Verifying = new(95, "Verifying image");
        public static readonly Milestone Complete = new(100, "Export complete");
    }
}
