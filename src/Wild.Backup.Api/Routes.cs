using Wild.Backup.Core;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;

namespace Wild.Backup.Api;

/// <summary>
/// Every route of the API. Each handler parses its input, calls one catalog or engine method, and returns JSON
/// (202 + <c>{"operation_id"}</c> for work that takes time). Errors are thrown and rendered by <see cref="ApiErrors"/>.
/// </summary>
public static class Routes
{
    public const string Prefix = "/api/v1";

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup(Prefix);
        var instance = api.MapGroup("/instances/{instance}");

        api.MapGet("/instances", (WildBackupEngine engine, ApiOptions o) =>
            Results.Json(engine.GetInstances(o.DataDir), OperationResults.Json))
            .WithSummary("List instances");
        instance.MapGet("/apps", (string instance, WildBackupEngine engine, ApiOptions o) =>
            Results.Json(engine.GetApps(Sel(o, Name(instance, "instance"))), OperationResults.Json))
            .WithSummary("List apps");

        // Backup
        instance.MapPost("/apps/{app}/backup", async (string instance, string app, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
        {
            var body = await Body(req, o, new BackupRequest());
            return Accepted(await ops.BackupAppAsync(Name(instance, "instance"), Name(app, "app"), RequestBodies.Timeout(body.TimeoutSeconds), ct, body.ExportImages));
        }).WithSummary("Back up an app (202 + operation id)");
        instance.MapPost("/apps/{app}/volumes/export", async (string instance, string app, HttpRequest req, OperationCatalog ops, ApiOptions o) =>
        {
            var body = await Body(req, o, new ExportVolumeBody());
            var format = body.Format?.ToLowerInvariant() switch
            {
                null or "qcow2" => Core.Images.ImageFormat.Qcow2,
                "raw" => Core.Images.ImageFormat.Raw,
                _ => throw new InvalidInputException("InvalidFormat", "format must be qcow2 or raw."),
            };
            return Accepted(ops.ExportVolume(Name(instance, "instance"), new VolumeExportRequest
            {
                App = Name(app, "app"),
                Claim = body.Claim,
                Path = body.Path,
                Format = format,
                FromInstance = body.FromInstance is null ? null : Name(body.FromInstance, "instance"),
                BackupTarget = body.BackupTarget,
                Replace = body.Replace,
            }, RequestBodies.Timeout(body.TimeoutSeconds)));
        }).WithSummary("Write disk images of an app's volumes from Longhorn's block store (202 + operation id)");
        instance.MapGet("/apps/{app}/backup", async (string instance, string app, WildBackupEngine engine, ApiOptions o, CancellationToken ct) =>
            await engine.GetAppBackupAsync(Sel(o, Name(instance, "instance")), Name(app, "app"), null, ct) is { } b
                ? Results.Json(b, OperationResults.Json)
                : throw new NotFoundException("BackupNotFound", $"No backup of app '{app}' in instance '{instance}'."))
            .WithSummary("Latest backup of an app");
        instance.MapPost("/apps/backup", async (string instance, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
        {
            var body = await Body(req, o, new BackupAppsRequest());
            return Accepted(await ops.BackupAppsAsync(Name(instance, "instance"), body.Apps, RequestBodies.Timeout(body.TimeoutSeconds), ct, body.ExportImages));
        }).WithSummary("Back up several apps, or all of them (202 + operation id)");
        instance.MapPost("/backup", async (string instance, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
            Accepted(await ops.BackupAllAsync(Name(instance, "instance"), RequestBodies.Timeout((await Body(req, o, new BackupRequest())).TimeoutSeconds), ct)))
            .WithSummary("Back up every app and the cluster (202 + operation id)");
        instance.MapGet("/backups", async (string instance, string? fromInstance, WildBackupEngine engine, ApiOptions o, CancellationToken ct) =>
            Results.Json(await engine.GetBackupsAsync(Sel(o, Name(instance, "instance")), fromInstance is null ? null : Name(fromInstance, "instance"), ct), OperationResults.Json))
            .WithSummary("Latest backup of every app and of the cluster");
        instance.MapPost("/backups/test", async (string instance, HttpRequest req, OperationCatalog ops, ApiOptions o) =>
        {
            var body = await Body(req, o, new TestBackupsRequest());
            return Accepted(ops.TestBackups(Name(instance, "instance"), body.Apps, body.Cluster, body.FromInstance, RequestBodies.Timeout(body.TimeoutSeconds)));
        }).WithSummary("Re-verify stored backups (202 + operation id)");
        instance.MapPost("/cluster/backup", async (string instance, HttpRequest req, OperationCatalog ops, ApiOptions o, CancellationToken ct) =>
            Accepted(await ops.BackupClusterAsync(Name(instance, "instance"), RequestBodies.Timeout((await Body(req, o, new BackupRequest())).TimeoutSeconds), ct)))
            .WithSummary("Back up the cluster level (202 + operation id)");
        instance.MapGet("/cluster/backup", async (string instance, WildBackupEngine engine, ApiOptions o, CancellationToken ct) =>
            (await engine.GetBackupsAsync(Sel(o, Name(instance, "instance")), null, ct)).FirstOrDefault(b => b.Kind == BackupKind.Cluster) is { } b
                ? Results.Json(b, OperationResults.Json)
                : throw new NotFoundException("BackupNotFound", $"No cluster backup of instance '{instance}'."))
            .WithSummary("Latest cluster backup");
        instance.MapPost("/cluster/restore", async (string instance, HttpRequest req, OperationCatalog ops, ApiOptions o) =>
        {
            var body = await Body(req, o, new ClusterRestoreRequest());
            return Accepted(ops.RestoreCluster(Name(instance, "instance"), body.FromInstance, RequestBodies.Timeout(body.TimeoutSeconds)));
        }).WithSummary("Restore the cluster level (202 + operation id)");

        RestoreRoutes.Map(instance);
        instance.MapGet("/destination", async (string instance, WildBackupEngine engine, ApiOptions o, CancellationToken ct) =>
            Results.Json(await engine.CheckDestinationAsync(Sel(o, Name(instance, "instance")), ct), OperationResults.Json))
            .WithSummary("Check the backup storage: reachable, writable, free space, round trip");

        // Operations
        instance.MapGet("/operations", (string instance, OperationManager m) => Results.Json(m.List(Name(instance, "instance")), OperationRecord.Json))
            .WithSummary("Operations of the last 24 h, newest first");
        instance.MapGet("/operations/{id}", (string instance, string id, OperationManager m) => Results.Json(m.Get(Name(instance, "instance"), id), OperationRecord.Json))
            .WithSummary("One operation");
        instance.MapDelete("/operations/{id}", Cancel).WithSummary("Cancel an operation");
        instance.MapPost("/operations/{id}/cancel", Cancel).WithSummary("Cancel an operation (the Wild Cloud daemon's route)");
        instance.MapGet("/operations/{id}/events", EventStreams.Operation).WithSummary("SSE: one operation's events (ours; Last-Event-ID resumes)");
        instance.MapGet("/events", WildCloudEvents.OneInstance).WithSummary("SSE in the Wild Cloud daemon's envelope: this instance's events (?types=, ?apps=)");
        api.MapGet("/events", WildCloudEvents.AllInstances).WithSummary("SSE in the Wild Cloud daemon's envelope: every instance's events (?types=, ?apps=)");

        api.MapGet("/openapi.json", (EndpointDataSource endpoints) => Results.Json(OpenApiDocument.Build(endpoints)))
            .WithSummary("This API, as OpenAPI 3.0");

        // Anything else under the API is a JSON 404, not an empty one.
        api.MapFallback(() => ApiErrors.Error(StatusCodes.Status404NotFound, "RouteNotFound", "No such API route. See /api/v1/openapi.json."));
    }

    private static IResult Cancel(string instance, string id, OperationManager m)
    {
        m.Cancel(Name(instance, "instance"), id);
        return Results.Json(m.Get(instance, id), OperationRecord.Json, statusCode: StatusCodes.Status202Accepted);
    }

    private static InstanceSelector Sel(ApiOptions o, string instance) => new(o.DataDir, instance, o.Destination);

    /// <summary>Path parameters are names: validated before anything touches a file.</summary>
    private static string Name(string value, string what) => WildName.Validate(value, what);

    private static Task<T> Body<T>(HttpRequest req, ApiOptions o, T empty) => RequestBodies.ReadAsync(req, o.MaxBodyBytes, empty);

    private static IResult Accepted(OperationRecord op) =>
        Results.Json(new Dictionary<string, string> { ["operation_id"] = op.Id }, statusCode: StatusCodes.Status202Accepted);
}
