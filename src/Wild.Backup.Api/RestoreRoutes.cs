using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;

namespace Wild.Backup.Api;

/// <summary>
/// The design's restore endpoints for apps (blue-green): restore (202 + operation id), switch, cleanup, and status.
/// Thin, like <see cref="Routes"/>: parse, call the catalog, return JSON; errors go through <see cref="ApiErrors"/>.
/// </summary>
public static class RestoreRoutes
{
    public static void Map(RouteGroupBuilder instance)
    {
        instance.MapPost("/apps/{app}/restore", async (string instance, string app, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(req, o.MaxBodyBytes, new RestoreRequest());
            return Accepted(await ops.RestoreAppAsync(Name(instance, "instance"), Name(app, "app"), body.FromInstance is null ? null : Name(body.FromInstance, "instance"),
                body.Strategy, RequestBodies.Timeout(body.TimeoutSeconds), ct));
        }).WithSummary("Restore an app blue-green into a restore namespace beside the live one (202 + operation id)");

        instance.MapPost("/apps/{app}/restore/switch", async (string instance, string app, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(req, o.MaxBodyBytes, new RestoreSwitchRequest());
            return Accepted(await ops.SwitchRestoreAsync(Name(instance, "instance"), Name(app, "app"), RequestBodies.Timeout(body.TimeoutSeconds), ct));
        }).WithSummary("Switch an app to its restored copy: swap directories, move ingress hosts (202 + operation id)");

        instance.MapPost("/apps/{app}/restore/cleanup", async (string instance, string app, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
        {
            var body = await RequestBodies.ReadAsync(req, o.MaxBodyBytes, new RestoreCleanupRequest());
            return Accepted(await ops.CleanupRestoreAsync(Name(instance, "instance"), Name(app, "app"), body.DiscardRestore, RequestBodies.Timeout(body.TimeoutSeconds), ct));
        }).WithSummary("Delete the old namespace and apps/{app}-old after a switch (202 + operation id)");

        instance.MapGet("/apps/{app}/restore/status", async (string instance, string app, OperationCatalog ops, CancellationToken ct) =>
            Results.Json(await ops.GetRestoreStatusAsync(Name(instance, "instance"), Name(app, "app"), ct), OperationResults.Json))
            .WithSummary("Restore state of an app, its namespaces' health, and its last restore operation");
    }

    private static string Name(string value, string what) => WildName.Validate(value, what);

    private static IResult Accepted(OperationRecord op) =>
        Results.Json(new Dictionary<string, string> { ["operation_id"] = op.Id }, statusCode: StatusCodes.Status202Accepted);
}

/// <summary>Body of <c>POST …/apps/{app}/restore/switch</c>.</summary>
public sealed record RestoreSwitchRequest(int? TimeoutSeconds = null);

/// <summary>Body of <c>POST …/apps/{app}/restore/cleanup</c>: <c>discardRestore</c> throws away a restored copy that was
/// never switched to.</summary>
public sealed record RestoreCleanupRequest(bool DiscardRestore = false, int? TimeoutSeconds = null);
