using System.Globalization;
using Microsoft.AspNetCore.Http;
using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Http;

/// <summary>Maps query parameters to the pipeline's option objects (with the real server's errors for bad values).</summary>
internal static class QueryOptions
{
    public static ListOptions List(IQueryCollection q) => new()
    {
        LabelSelector = Str(q, "labelSelector"),
        FieldSelector = Str(q, "fieldSelector"),
        Limit = Long(q, "limit"),
        Continue = Str(q, "continue"),
        ResourceVersion = Str(q, "resourceVersion"),
        ResourceVersionMatch = Str(q, "resourceVersionMatch"),
        TimeoutSeconds = Long(q, "timeoutSeconds"),
        AllowWatchBookmarks = Bool(q, "allowWatchBookmarks") ?? false,
        SendInitialEvents = Bool(q, "sendInitialEvents"),
    };

    public static bool IsWatch(IQueryCollection q) => Bool(q, "watch") ?? false;

    public static WriteOptions Write(IQueryCollection q) => new()
    {
        DryRun = DryRun(q),
        FieldManager = Str(q, "fieldManager"),
        Force = Bool(q, "force"),
        FieldValidation = Str(q, "fieldValidation"),
    };

    public static DeleteOptions Delete(IQueryCollection q) => new()
    {
        PropagationPolicy = Str(q, "propagationPolicy"),
        GracePeriodSeconds = Long(q, "gracePeriodSeconds"),
        DryRun = DryRun(q),
        OrphanDependents = Bool(q, "orphanDependents"),
    };

    private static bool DryRun(IQueryCollection q)
    {
        if (!q.TryGetValue("dryRun", out var values)) return false;
        foreach (var v in values)
        {
            if (v != "All")
            {
                throw Errors.BadRequest($"Invalid dry run value: \"{v}\": supported values: \"All\"");
            }
        }
        return values.Count > 0;
    }

    private static string? Str(IQueryCollection q, string name) => q.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    private static long? Long(IQueryCollection q, string name)
    {
        var s = Str(q, name);
        if (string.IsNullOrEmpty(s)) return null;
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            throw Errors.BadRequest($"unable to parse quantity's suffix: {name}: strconv.ParseInt: parsing \"{s}\": invalid syntax");
        }
        return v;
    }

    private static bool? Bool(IQueryCollection q, string name)
    {
        var s = Str(q, name);
        if (s is null) return null;
        return s.ToLowerInvariant() switch
        {
            "" or "true" or "1" or "t" => true,
            "false" or "0" or "f" => false,
            _ => throw Errors.BadRequest($"invalid value for {name}: \"{s}\""),
        };
    }
}
