using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Apply;

/// <summary>One metadata.managedFields entry.</summary>
internal sealed class ManagedFieldsEntry
{
    public required string Manager { get; init; }

    /// <summary>"Apply" or "Update".</summary>
    public required string Operation { get; init; }

    public string? Subresource { get; init; }

    public string ApiVersion { get; set; } = "";

    public string? Time { get; set; }

    public FieldSet Fields { get; set; } = new();

    public bool SameIdentity(string manager, string operation, string? subresource)
        => Manager == manager && Operation == operation && (Subresource ?? "") == (subresource ?? "");

    /// <summary>How conflict messages name the manager (apiserver's printManager).</summary>
    public string Describe()
    {
        var s = $"\"{Manager}\"";
        if (!string.IsNullOrEmpty(Subresource)) s += $" with subresource \"{Subresource}\"";
        if (Operation == "Update") s += $" using {ApiVersion}";
        return s;
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["manager"] = Manager, ["operation"] = Operation, ["apiVersion"] = ApiVersion };
        if (Time is not null) o["time"] = Time;
        o["fieldsType"] = "FieldsV1";
        o["fieldsV1"] = Fields.ToFieldsV1();
        if (!string.IsNullOrEmpty(Subresource)) o["subresource"] = Subresource;
        return o;
    }

    public static ManagedFieldsEntry FromJson(JsonObject o) => new()
    {
        Manager = o.Str("manager") ?? "",
        Operation = o.Str("operation") ?? "Update",
        Subresource = o.Str("subresource"),
        ApiVersion = o.Str("apiVersion") ?? "",
        Time = o.Str("time"),
        Fields = FieldSet.FromFieldsV1(o["fieldsV1"]),
    };
}

/// <summary>
/// Field ownership bookkeeping for every write (the apiserver's fieldmanager): Update operations
/// take the fields they change; Apply operations own exactly the fields in their configuration, fail
/// on conflicts with other owners unless forced, and remove fields they stop applying when nobody
/// else owns them.
/// </summary>
internal static class ManagedFields
{
    /// <summary>Paths never tracked: identity and system metadata (and apiVersion/kind).</summary>
    private static readonly string[][] AlwaysReset =
    [
        ["f:apiVersion"], ["f:kind"],
        ["f:metadata", "f:name"], ["f:metadata", "f:namespace"], ["f:metadata", "f:uid"],
        ["f:metadata", "f:resourceVersion"], ["f:metadata", "f:generation"], ["f:metadata", "f:creationTimestamp"],
        ["f:metadata", "f:deletionTimestamp"], ["f:metadata", "f:deletionGracePeriodSeconds"],
        ["f:metadata", "f:managedFields"], ["f:metadata", "f:selfLink"],
    ];

    public static List<ManagedFieldsEntry> Read(JsonObject obj)
        => obj.Arr("metadata", "managedFields")?.OfType<JsonObject>().Select(ManagedFieldsEntry.FromJson)
               .Where(e => e.Manager.Length > 0).ToList() ?? [];

    public static void Write(JsonObject obj, List<ManagedFieldsEntry> entries)
    {
        var meta = obj.Ensure("metadata");
        var live = entries.Where(e => !e.Fields.IsEmpty).ToList();
        if (live.Count == 0)
        {
            meta.Remove("managedFields");
            return;
        }
        var arr = new JsonArray();
        foreach (var e in live) arr.Add(e.ToJson());
        meta["managedFields"] = arr;
    }

    /// <summary>The tracked fields of an object for a write to the main resource or a subresource.</summary>
    public static FieldSet Tracked(JsonObject obj, ResourceType type, string? subresource)
    {
        var set = FieldSet.FromObject(obj, type.Schema);
        return set.Where(p => IsTracked(p, type, subresource));
    }

    private static bool IsTracked(string[] path, ResourceType type, string? subresource)
    {
        foreach (var reset in AlwaysReset)
        {
            if (StartsWith(path, reset)) return false;
        }
        if (path.Length == 1 && path[0] == "f:metadata") return false;
        var inStatus = path.Length > 0 && path[0] == "f:status";
        if (subresource == "status") return inStatus;
        return !(type.HasStatus && inStatus);
    }

    private static bool StartsWith(string[] path, string[] prefix)
        => path.Length >= prefix.Length && !prefix.Where((p, i) => path[i] != p).Any();

    /// <summary>Leaf paths whose value differs between <paramref name="before"/> and <paramref name="after"/> (added or changed).</summary>
    public static FieldSet Changed(JsonObject? before, FieldSet afterSet, JsonObject after)
    {
        var changed = new FieldSet();
        foreach (var p in afterSet.Paths)
        {
            if (before is null || !FieldSet.TryResolve(before, p, out var oldValue))
            {
                changed.Add(p);
                continue;
            }
            if (p[^1][0] is 'k' or 'v') continue;
            FieldSet.TryResolve(after, p, out var newValue);
            if (!JsonTools.DeepEquals(oldValue, newValue)) changed.Add(p);
        }
        return changed;
    }

    /// <summary>Records an Update operation (create, PUT, non-apply PATCH) by <paramref name="manager"/>.</summary>
    public static void RecordUpdate(JsonObject? oldObj, JsonObject newObj, ResourceType type, string manager, string apiVersion,
        string? subresource, DateTimeOffset now)
    {
        var entries = oldObj is null ? [] : BaseEntries(oldObj, newObj);
        var oldSet = oldObj is null ? new FieldSet() : Tracked(oldObj, type, subresource);
        var newSet = Tracked(newObj, type, subresource);
        var changed = Changed(oldObj, newSet, newObj);
        var removed = oldSet.Except(newSet);
        foreach (var e in entries)
        {
            e.Fields = e.Fields.Except(changed).Except(removed);
        }
        if (!changed.IsEmpty)
        {
            var mine = entries.FirstOrDefault(e => e.SameIdentity(manager, "Update", subresource));
            if (mine is null)
            {
                mine = new ManagedFieldsEntry { Manager = manager, Operation = "Update", Subresource = subresource };
                entries.Add(mine);
            }
            mine.Fields = mine.Fields.Union(changed);
            mine.ApiVersion = apiVersion;
            mine.Time = JsonTools.Timestamp(now);
        }
        Write(newObj, entries);
    }

    /// <summary>
    /// The managedFields a write starts from: the stored ones, unless the client sent a non-empty
    /// list of its own (a list with one empty entry resets ownership, as documented).
    /// </summary>
    private static List<ManagedFieldsEntry> BaseEntries(JsonObject oldObj, JsonObject newObj)
    {
        if (newObj.Arr("metadata", "managedFields") is { Count: > 0 } sent
            && !JsonTools.DeepEquals(sent, oldObj.Arr("metadata", "managedFields")))
        {
            return sent.OfType<JsonObject>().Select(ManagedFieldsEntry.FromJson).Where(e => e.Manager.Length > 0).ToList();
        }
        return Read(oldObj);
    }

    /// <summary>
    /// Server-side apply: merges <paramref name="config"/> into <paramref name="live"/> (null when the
    /// object does not exist yet) and returns the new object with updated managedFields, or throws a
    /// 409 listing the conflicting managers and fields.
    /// </summary>
    public static JsonObject Apply(JsonObject? live, JsonObject config, ResourceType type, string manager, string apiVersion,
        string? subresource, bool force, DateTimeOffset now)
    {
        var entries = live is null ? [] : Read(live);
        var merged = ApplyMerge.Merge(live, config, type.Schema);
        var configSet = Tracked(config, type, subresource);
        var changed = Changed(live, configSet, merged);

        var conflicts = new List<(ManagedFieldsEntry Entry, string[] Path)>();
        foreach (var e in entries)
        {
            if (e.SameIdentity(manager, "Apply", subresource)) continue;
            foreach (var p in e.Fields.Intersect(changed).Paths.OrderBy(FieldSet.Render, StringComparer.Ordinal))
            {
                conflicts.Add((e, p));
            }
        }
        if (conflicts.Count > 0 && !force) throw ConflictError(conflicts, type, config.Str("metadata", "name") ?? "");
        foreach (var e in entries)
        {
            if (!e.SameIdentity(manager, "Apply", subresource)) e.Fields = e.Fields.Except(changed);
        }

        var mine = entries.FirstOrDefault(e => e.SameIdentity(manager, "Apply", subresource));
        var previouslyApplied = mine?.Fields ?? new FieldSet();
        var othersOwn = entries.Where(e => e != mine).Aggregate(new FieldSet(), (acc, e) => acc.Union(e.Fields));
        var dropped = previouslyApplied.Except(configSet).Except(othersOwn);
        // Remove the deepest paths first so list elements go after their fields.
        foreach (var p in dropped.Paths.OrderByDescending(p => p.Length))
        {
            if (FieldSet.TryResolve(merged, p, out _) && !HasOwnedDescendant(p, othersOwn.Union(configSet)))
            {
                FieldSet.RemovePath(merged, p);
            }
        }

        var touched = mine is null || !mine.Fields.SetEquals(configSet) || !changed.IsEmpty || mine.ApiVersion != apiVersion;
        if (mine is null)
        {
            mine = new ManagedFieldsEntry { Manager = manager, Operation = "Apply", Subresource = subresource };
            entries.Insert(0, mine);
        }
        mine.Fields = configSet;
        mine.ApiVersion = apiVersion;
        if (touched) mine.Time = JsonTools.Timestamp(now);

        var remaining = Tracked(merged, type, subresource);
        foreach (var e in entries)
        {
            if (e.Subresource == subresource || (string.IsNullOrEmpty(e.Subresource) && string.IsNullOrEmpty(subresource)))
            {
                e.Fields = e.Fields.Intersect(remaining);
            }
        }
        Write(merged, entries);
        return merged;
    }

    private static bool HasOwnedDescendant(string[] path, FieldSet owned)
    {
        var prefix = FieldSet.Join(path);
        return owned.Encoded.Any(o => o.Length > prefix.Length && o.StartsWith(prefix + '\u0001', StringComparison.Ordinal));
    }

    private static KubeApiException ConflictError(List<(ManagedFieldsEntry Entry, string[] Path)> conflicts, ResourceType type, string name)
    {
        var causes = new JsonArray();
        foreach (var (e, p) in conflicts)
        {
            causes.Add(new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with {e.Describe()}",
                ["field"] = FieldSet.Render(p),
            });
        }
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {conflicts[0].Entry.Describe()}: {FieldSet.Render(conflicts[0].Path)}";
        }
        else
        {
            var lines = new List<string>();
            foreach (var group in conflicts.GroupBy(c => c.Entry.Describe()).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                lines.Add($"conflicts with {group.Key}:");
                lines.AddRange(group.Select(c => "- " + FieldSet.Render(c.Path)));
            }
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }
        return new KubeApiException(409, "Conflict", message, KubeApiException.MakeDetails(name, type.Group, type.Plural, causes));
    }
}
