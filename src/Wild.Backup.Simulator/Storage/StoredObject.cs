using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Storage;

/// <summary>An immutable stored revision of one object (serialized JSON; parse to read it).</summary>
internal sealed class StoredObject
{
    public StoredObject(GroupResource resource, string ns, string name, string uid, long resourceVersion, byte[] json)
    {
        Resource = resource;
        Namespace = ns;
        Name = name;
        Uid = uid;
        ResourceVersion = resourceVersion;
        Json = json;
    }

    public GroupResource Resource { get; }

    /// <summary>"" for cluster-scoped objects.</summary>
    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    public long ResourceVersion { get; }

    public byte[] Json { get; }

    /// <summary>A fresh, mutable copy of the object.</summary>
    public JsonObject Parse() => JsonTools.ParseObject(Json);

    public ObjectKey Key => new(Namespace, Name);
}

/// <summary>Storage key within one resource: namespace ("" if cluster-scoped) and name; ordered like etcd keys.</summary>
internal readonly record struct ObjectKey(string Namespace, string Name) : IComparable<ObjectKey>
{
    public int CompareTo(ObjectKey other)
    {
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>The etcd-like key used in continue tokens: "namespace/name" or "name".</summary>
    public string Encode() => Namespace.Length == 0 ? Name : Namespace + "/" + Name;

    public override string ToString() => Encode();
}

internal enum StoreEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
}

/// <summary>One change recorded by the store, with the previous revision for MODIFIED/DELETED.</summary>
internal sealed record StoreEvent(StoreEventType Type, long ResourceVersion, GroupResource Resource, StoredObject? Object, StoredObject? Previous,
    bool InitialEventsEnd = false);
