using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Selectors;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Api;

internal sealed partial class ClusterApi
{
    public JsonObject Get(GroupVersionResource gvr, string? ns, string name)
    {
        var type = Resolve(gvr);
        var stored = rt.Store.Get(type.GroupResource, new ObjectKey(NamespaceFor(type, ns) ?? "", name))
            ?? throw Errors.NotFound(type.Group, type.Plural, name);
        return Output(stored.Parse(), type, gvr.Version);
    }

    public JsonObject GetSubresource(GroupVersionResource gvr, string? ns, string name, string subresource)
    {
        var type = Resolve(gvr);
        return subresource switch
        {
            "status" when type.HasStatus => Get(gvr, ns, name),
            "scale" when type.Scale is not null => ToScale(type, Get(gvr, ns, name)),
            _ => throw Errors.UnknownPath(),
        };
    }

    /// <summary>LIST with selectors, pagination and resourceVersion semantics; built-in list items carry no apiVersion/kind (as on the wire).</summary>
    public async Task<JsonObject> ListAsync(GroupVersionResource gvr, string? ns, ListOptions options, CancellationToken cancellationToken, bool stripItemKinds)
    {
        var type = Resolve(gvr);
        var labelSelector = LabelSelector.Parse(options.LabelSelector);
        var fieldSelector = FieldSelector.Parse(options.FieldSelector, type);
        var scopeNs = type.Namespaced && !string.IsNullOrEmpty(ns) ? ns : null;

        List<StoredObject> items;
        long listRv;
        string startAfter = "";
        if (!string.IsNullOrEmpty(options.Continue))
        {
            if (!string.IsNullOrEmpty(options.ResourceVersion) && options.ResourceVersion != "0")
            {
                throw Errors.BadRequest("specifying resource version is not allowed when using continue");
            }
            (listRv, startAfter) = DecodeContinue(options.Continue);
            try
            {
                items = listRv == rt.Store.CurrentResourceVersion ? rt.Store.List(type.GroupResource, scopeNs).Items : rt.Store.ListAt(type.GroupResource, scopeNs, listRv);
            }
            catch (KubeApiException e) when (e.Code == 410)
            {
                throw Errors.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue value from the response.");
            }
        }
        else
        {
            (items, listRv) = await ReadAtAsync(type, scopeNs, options, cancellationToken).ConfigureAwait(false);
        }

        var matching = new List<JsonObject>();
        var keys = new List<string>();
        foreach (var o in items)
        {
            var key = o.Key.Encode();
            if (startAfter.Length > 0 && string.CompareOrdinal(key + "\0", startAfter) < 0) continue;
            if (startAfter.Length > 0 && key + "\0" == startAfter) continue;
            var obj = o.Parse();
            if (!labelSelector.Matches(obj) || !fieldSelector.Matches(type, obj)) continue;
            matching.Add(obj);
            keys.Add(key);
        }

        var limit = options.Limit is > 0 ? (int)Math.Min(options.Limit.Value, int.MaxValue) : int.MaxValue;
        var page = matching.Take(limit).ToList();
        var meta = new JsonObject { ["resourceVersion"] = listRv.ToString(CultureInfo.InvariantCulture) };
        if (matching.Count > page.Count)
        {
            meta["continue"] = EncodeContinue(listRv, keys[page.Count - 1] + "\0");
            if (labelSelector.IsEmpty && fieldSelector.IsEmpty) meta["remainingItemCount"] = matching.Count - page.Count;
        }

        var list = new JsonObject { ["kind"] = type.ListKind, ["apiVersion"] = type.ApiVersion(gvr.Version), ["metadata"] = meta };
        var arr = new JsonArray();
        foreach (var obj in page)
        {
            var output = Output(obj, type, gvr.Version);
            if (stripItemKinds && !type.IsCustom)
            {
                output.Remove("apiVersion");
                output.Remove("kind");
            }
            arr.Add(output);
        }
        list["items"] = arr;
        return list;
    }

    /// <summary>Reads at the revision the list's resourceVersion/resourceVersionMatch ask for.</summary>
    private async Task<(List<StoredObject> Items, long Rv)> ReadAtAsync(ResourceType type, string? ns, ListOptions options, CancellationToken ct)
    {
        var rvText = options.ResourceVersion;
        var match = options.ResourceVersionMatch;
        if (!string.IsNullOrEmpty(match))
        {
            if (string.IsNullOrEmpty(rvText))
            {
                throw Errors.Invalid("meta.k8s.io", "ListOptions", "", [FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")]);
            }
            if (match is not ("Exact" or "NotOlderThan"))
            {
                throw Errors.Invalid("meta.k8s.io", "ListOptions", "", [FieldError.NotSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan"])]);
            }
            if (match == "Exact" && rvText == "0")
            {
                throw Errors.Invalid("meta.k8s.io", "ListOptions", "", [FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")]);
            }
        }
        if (string.IsNullOrEmpty(rvText) || rvText == "0")
        {
            return rt.Store.List(type.GroupResource, ns);
        }
        if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
        {
            throw Errors.BadRequest($"invalid resource version: strconv.ParseUint: parsing \"{rvText}\": invalid syntax");
        }
        if (rv > rt.Store.CurrentResourceVersion)
        {
            // The watch cache waits up to 3 s for a newer revision before giving up.
            var deadline = rt.Now.AddSeconds(3);
            while (rv > rt.Store.CurrentResourceVersion && rt.Now < deadline)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            if (rv > rt.Store.CurrentResourceVersion)
            {
                var e = Errors.Timeout($"Too large resource version: {rv}, current: {rt.Store.CurrentResourceVersion}", 1);
                e.Details!["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" });
                throw e;
            }
        }
        if (match == "Exact")
        {
            return (rt.Store.ListAt(type.GroupResource, ns, rv), rv);
        }
        return rt.Store.List(type.GroupResource, ns);
    }

    private static string EncodeContinue(long rv, string start)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = start }.ToJson();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (long Rv, string Start) DecodeContinue(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var obj = JsonTools.ParseObject(Convert.FromBase64String(b64));
            if (obj.Str("v") != "meta.k8s.io/v1") throw new FormatException("server does not recognize this encoded version");
            var rv = obj.Long("rv") ?? throw new FormatException("invalid resource version");
            var start = obj.Str("start") ?? "";
            if (rv <= 0) throw new FormatException("invalid resource version");
            return (rv, start);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw Errors.BadRequest($"continue key is not valid: {e.Message}");
        }
    }
}
