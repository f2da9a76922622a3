using Microsoft.Win32.SafeHandles;

namespace Wild.Backup.Simulator.Longhorn.Volumes;

/// <summary>
/// One point-in-time snapshot of a <see cref="SimVolume"/>, stored like a Longhorn differencing disk: a sparse file
/// of the volume's size holding only the tracks written between the previous snapshot and this one
/// (<see cref="Changed"/>). A track's content at this snapshot is in the newest snapshot at or before it that changed it.
/// </summary>
internal sealed class SimSnapshot : IDisposable
{
    public SimSnapshot(string name, string path, SafeFileHandle file, DateTimeOffset createdAt, IReadOnlyDictionary<string, string>? labels, HashSet<long> changed)
    {
        Name = name;
        Path = path;
        File = file;
        CreatedAt = createdAt;
        Labels = labels;
        Changed = changed;
    }

    public string Name { get; }
    public string Path { get; }
    public SafeFileHandle File { get; }
    public DateTimeOffset CreatedAt { get; }
    public IReadOnlyDictionary<string, string>? Labels { get; }

    /// <summary>Track indices whose data this snapshot's file holds. Grows when an older snapshot is merged into it.</summary>
    public HashSet<long> Changed { get; }

    public void Dispose() => File.Dispose();
}
