namespace Wild.Backup.Core.Images;

/// <summary>One allocated range of a virtual disk: it starts on a cluster boundary and, unless it ends the disk, spans
/// whole clusters.</summary>
public readonly record struct ImageExtent(long Offset, long Length)
{
    public long End => Offset + Length;
}

/// <summary>
/// Where everything goes in a qcow2 (version 3) image whose allocated ranges are known before any data is written, so
/// the file can be written front to back in one pass: the header, then every table, then the data clusters in guest
/// order. Ranges not listed stay unallocated (they read as zeros: the image has no backing file).
/// <code>
/// cluster 0            header (104 bytes, then the empty header-extension list)
/// L1 table             one 8-byte entry per L2 table's worth of guest space
/// refcount table       one 8-byte entry per refcount block
/// refcount blocks      a 16-bit refcount per host cluster: 1 for every cluster of the file, 0 after its end
/// L2 tables            one per guest region (cluster_size × cluster_size/8 bytes) holding allocated clusters
/// data clusters        the allocated guest clusters, in guest order
/// </code>
/// Field layout, flags and rules follow qemu's specification, <c>docs/interop/qcow2.txt</c> (qemu/qemu): the header
/// fields and version 3 additions ("Header"), L1/L2 entries with bit 63 ("QCOW_OFLAG_COPIED") set exactly when the
/// refcount is 1 ("Cluster mapping"), refcount order 4 = 16-bit entries ("Host cluster management"). Memory is
/// independent of the disk size: tables are produced one cluster at a time from the extent list.
/// </summary>
public sealed class Qcow2Layout
{
    public const uint Magic = 0x514649fb; // "QFI\xfb"
    public const int Version = 3;
    public const int HeaderLength = 104;
    public const int RefcountOrder = 4; // 16-bit refcounts, qemu's default
    public const int DefaultClusterBits = 16; // 64 KiB, qemu's default
    public const ulong Copied = 1UL << 63;

    private readonly IReadOnlyList<ImageExtent> _extents;

    public Qcow2Layout(long virtualSize, IReadOnlyList<ImageExtent> extents, int clusterBits = DefaultClusterBits)
    {
        if (clusterBits is < 9 or > 21) throw new ArgumentOutOfRangeException(nameof(clusterBits), "qcow2 cluster sizes go from 512 bytes to 2 MiB.");
        if (virtualSize < 0) throw new ArgumentOutOfRangeException(nameof(virtualSize));
        ClusterBits = clusterBits;
        VirtualSize = virtualSize;
        _extents = extents;
        long previousEnd = 0;
        long dataClusters = 0;
        long l2Tables = 0;
        long lastRegion = -1;
        foreach (var e in extents)
        {
            if (e.Length <= 0 || e.Offset < previousEnd || e.Offset % ClusterSize != 0 || e.End > virtualSize || (e.Length % ClusterSize != 0 && e.End != virtualSize))
                throw new ArgumentException($"Extent {e.Offset}+{e.Length} is not cluster-aligned, sorted and inside the {virtualSize}-byte disk.", nameof(extents));
            previousEnd = e.End;
            dataClusters += Clusters(e.Length);
            var first = e.Offset / RegionSize;
            var last = (e.End - 1) / RegionSize;
            l2Tables += last - first + 1 - (first == lastRegion ? 1 : 0);
            lastRegion = last;
        }
        DataClusters = dataClusters;
        L2Tables = l2Tables;
        L1Size = (int)Math.Max(1, (virtualSize + RegionSize - 1) / RegionSize);
        if (L1Size * 8L > 32L * 1024 * 1024) throw new ArgumentException("The disk is too large for qcow2's 32 MiB L1 table at this cluster size.", nameof(virtualSize));
        L1Clusters = Clusters(L1Size * 8L);

        // The refcount structures count themselves: grow them until they cover the whole file.
        long refcountBlocks = 1, refcountTableClusters = 1;
        while (true)
        {
            var total = 1 + L1Clusters + refcountTableClusters + refcountBlocks + L2Tables + DataClusters;
            var neededBlocks = (total + RefcountsPerBlock - 1) / RefcountsPerBlock;
            var neededTable = Clusters(neededBlocks * 8);
            if (neededBlocks <= refcountBlocks && neededTable <= refcountTableClusters) break;
            refcountBlocks = Math.Max(refcountBlocks, neededBlocks);
            refcountTableClusters = Math.Max(refcountTableClusters, neededTable);
        }
        RefcountBlocks = refcountBlocks;
        RefcountTableClusters = refcountTableClusters;
        L1Offset = ClusterSize;
        RefcountTableOffset = L1Offset + L1Clusters * ClusterSize;
        RefcountBlocksOffset = RefcountTableOffset + RefcountTableClusters * ClusterSize;
        L2Offset = RefcountBlocksOffset + RefcountBlocks * ClusterSize;
        DataOffset = L2Offset + L2Tables * ClusterSize;
        TotalClusters = DataOffset / ClusterSize + DataClusters;
    }

    public int ClusterBits { get; }
    public int ClusterSize => 1 << ClusterBits;
    public long VirtualSize { get; }
    /// <summary>Guest bytes one L2 table maps.</summary>
    public long RegionSize => (long)ClusterSize * (ClusterSize / 8);
    private long RefcountsPerBlock => ClusterSize * 8L / (1 << RefcountOrder);
    public int L1Size { get; }
    public long L1Clusters { get; }
    public long L2Tables { get; }
    public long RefcountBlocks { get; }
    public long RefcountTableClusters { get; }
    public long DataClusters { get; }
    public long TotalClusters { get; }
    public long L1Offset { get; }
    public long RefcountTableOffset { get; }
    public long RefcountBlocksOffset { get; }
    public long L2Offset { get; }
    public long DataOffset { get; }
    /// <summary>The image's length in bytes: every cluster is written in full.</summary>
    public long FileLength => TotalClusters * ClusterSize;
    /// <summary>Bytes of metadata before the first data cluster.</summary>
    public long MetadataLength => DataOffset;

    public IReadOnlyList<ImageExtent> Extents => _extents;

    private long Clusters(long bytes) => (bytes + ClusterSize - 1) / ClusterSize;

    /// <summary>
    /// Writes every cluster before the data (header, L1, refcount table and blocks, L2 tables) to <paramref name="output"/>,
    /// one cluster at a time.
    /// </summary>
    public async Task WriteMetadataAsync(Stream output, CancellationToken ct)
    {
        var cluster = new byte[ClusterSize];
        WriteHeader(cluster);
        await output.WriteAsync(cluster, ct).ConfigureAwait(false);

        // L1: region r → its L2 table, numbered in region order among the regions that have one.
        var regions = AllocatedRegions().GetEnumerator();
        var hasRegion = regions.MoveNext();
        long l2Index = 0;
        var l1Entries = ClusterSize / 8;
        for (long c = 0; c < L1Clusters; c++)
        {
            Array.Clear(cluster);
            for (var i = 0; i < l1Entries; i++)
            {
                var region = c * l1Entries + i;
                if (region >= L1Size) break;
                if (hasRegion && regions.Current == region)
                {
                    Put(cluster, i, (ulong)(L2Offset + l2Index++ * ClusterSize) | Copied);
                    hasRegion = regions.MoveNext();
                }
            }
            await output.WriteAsync(cluster, ct).ConfigureAwait(false);
        }

        for (long c = 0; c < RefcountTableClusters; c++)
        {
            Array.Clear(cluster);
            for (var i = 0; i < l1Entries; i++)
            {
                var block = c * l1Entries + i;
                if (block >= RefcountBlocks) break;
                Put(cluster, i, (ulong)(RefcountBlocksOffset + block * ClusterSize));
            }
            await output.WriteAsync(cluster, ct).ConfigureAwait(false);
        }

        var perBlock = (int)RefcountsPerBlock;
        for (long b = 0; b < RefcountBlocks; b++)
        {
            Array.Clear(cluster);
            for (var i = 0; i < perBlock; i++)
            {
                if (b * perBlock + i >= TotalClusters) break;
                cluster[2 * i + 1] = 1; // big-endian 16-bit 1
            }
            await output.WriteAsync(cluster, ct).ConfigureAwait(false);
        }

        // L2 tables: walk the extents once, handing out data clusters in guest order.
        var hostCluster = DataOffset / ClusterSize;
        var current = -1L;
        foreach (var e in _extents)
        {
            for (var guest = e.Offset; guest < e.End; guest += ClusterSize)
            {
                var region = guest / RegionSize;
                if (region != current)
                {
                    if (current >= 0) await output.WriteAsync(cluster, ct).ConfigureAwait(false);
                    Array.Clear(cluster);
                    current = region;
                }
                Put(cluster, (int)(guest % RegionSize / ClusterSize), (ulong)(hostCluster++ * ClusterSize) | Copied);
            }
        }
        if (current >= 0) await output.WriteAsync(cluster, ct).ConfigureAwait(false);
    }

    private IEnumerable<long> AllocatedRegions()
    {
        var last = -1L;
        foreach (var e in _extents)
        {
            for (var r = Math.Max(last + 1, e.Offset / RegionSize); r <= (e.End - 1) / RegionSize; r++)
            {
                last = r;
                yield return r;
            }
        }
    }

    private void WriteHeader(Span<byte> h)
    {
        h.Clear();
        BE32(h, 0, Magic);
        BE32(h, 4, Version);
        // 8..19: no backing file
        BE32(h, 20, (uint)ClusterBits);
        BE64(h, 24, (ulong)VirtualSize);
        // 32: crypt_method 0 (none)
        BE32(h, 36, (uint)L1Size);
        BE64(h, 40, (ulong)L1Offset);
        BE64(h, 48, (ulong)RefcountTableOffset);
        BE32(h, 56, (uint)RefcountTableClusters);
        // 60..71: no snapshots; 72..95: no incompatible, compatible or autoclear features
        BE32(h, 96, RefcountOrder);
        BE32(h, 100, HeaderLength);
        // 104..111: header extension type 0 (end of the list), length 0 — already zero.
    }

    private static void Put(byte[] table, int index, ulong value) => BE64(table, index * 8, value);

    private static void BE32(Span<byte> b, int at, uint v) => System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b[at..], v);

    private static void BE64(Span<byte> b, int at, ulong v) => System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b[at..], v);
}
