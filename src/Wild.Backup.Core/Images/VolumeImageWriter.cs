using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Images;

/// <summary>The disk image formats <see cref="VolumeImageWriter"/> writes.</summary>
public enum ImageFormat
{
    /// <summary>qcow2 version 3: only allocated clusters take space; opens in qemu, libvirt, virt-manager, guestfs.</summary>
    Qcow2,
    /// <summary>A plain disk image: byte n of the file is byte n of the disk; holes stay sparse where the storage allows.</summary>
    Raw,
}

public static class ImageFormats
{
    /// <summary>The file extension for <paramref name="format"/> (<c>.qcow2</c>, <c>.raw</c>).</summary>
    public static string Extension(ImageFormat format) => format == ImageFormat.Qcow2 ? ".qcow2" : ".raw";
}

/// <summary>
/// Writes a disk image front to back in one pass from the data of its allocated extents, given in guest order: the
/// caller knows the extents up front (a Longhorn block map) and streams each one's bytes. Ranges between extents are
/// left unallocated (qcow2) or as holes (raw: skipped where the stream can, see <see cref="SparseWrite"/>). Memory is
/// one cluster, whatever the disk's size.
/// </summary>
public sealed class VolumeImageWriter
{
    private readonly Stream _output;
    private readonly Qcow2Layout? _qcow2;
    private readonly IReadOnlyList<ImageExtent> _extents;
    private int _extent;
    private long _filled; // bytes of the current extent written
    private long _position; // raw: guest offset written up to
    private bool _begun;

    public VolumeImageWriter(ImageFormat format, long virtualSize, IReadOnlyList<ImageExtent> extents, Stream output)
    {
        Format = format;
        VirtualSize = virtualSize;
        _output = output;
        _extents = extents;
        // The layout also checks the extents (aligned, sorted, inside the disk) for raw images.
        var layout = new Qcow2Layout(virtualSize, extents);
        _qcow2 = format == ImageFormat.Qcow2 ? layout : null;
    }

    public ImageFormat Format { get; }
    public long VirtualSize { get; }

    /// <summary>The image file's final length.</summary>
    public long FileLength => _qcow2?.FileLength ?? VirtualSize;

    /// <summary>Writes what precedes the data (the qcow2 header and tables; nothing for raw).</summary>
    public async Task BeginAsync(CancellationToken ct)
    {
        if (_begun) throw new InvalidOperationException("The image was already begun.");
        _begun = true;
        if (_qcow2 is not null) await _qcow2.WriteMetadataAsync(_output, ct).ConfigureAwait(false);
        await SkipToNextExtentAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The next bytes of the extents, in guest order, in chunks of any size (a chunk may run on into the next extent).</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (!_begun) throw new InvalidOperationException("BeginAsync first.");
        while (!data.IsEmpty)
        {
            if (_extent >= _extents.Count) throw new InvalidOperationException("More data than the image's extents hold.");
            var e = _extents[_extent];
            var n = (int)Math.Min(data.Length, e.Length - _filled);
            await _output.WriteAsync(data[..n], ct).ConfigureAwait(false);
            data = data[n..];
            _filled += n;
            _position = e.Offset + _filled;
            if (_filled == e.Length)
            {
                if (_qcow2 is not null)
                {
                    // qcow2 holds whole clusters: the disk's last, partial one is padded with zeros.
                    var tail = (int)(-e.Length & (_qcow2.ClusterSize - 1));
                    if (tail > 0) await _output.WriteAsync(new byte[tail], ct).ConfigureAwait(false);
                }
                _extent++;
                _filled = 0;
                await SkipToNextExtentAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Finishes the image; throws when fewer bytes were written than the extents hold.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_extent < _extents.Count) throw new InvalidOperationException($"The image is incomplete: extent {_extent} of {_extents.Count} is not written.");
        if (_qcow2 is null && _position < VirtualSize)
        {
            // A raw file ends where the disk ends even when its last range is a hole: skip to just before the end and
            // write the last bytes, so every storage (NFS included) sets the length.
            var last = (int)Math.Min(VirtualSize - _position, 4096);
            await SparseWrite.SkipAsync(_output, VirtualSize - _position - last, ct).ConfigureAwait(false);
            await _output.WriteAsync(new byte[last], ct).ConfigureAwait(false);
            _position = VirtualSize;
        }
        await _output.FlushAsync(ct).ConfigureAwait(false);
    }

    private async Task SkipToNextExtentAsync(CancellationToken ct)
    {
        if (_qcow2 is not null || _extent >= _extents.Count) return;
        var next = _extents[_extent].Offset;
        if (next > _position)
        {
            await SparseWrite.SkipAsync(_output, next - _position, ct).ConfigureAwait(false);
            _position = next;
        }
    }
}
