using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Crds;
using Xunit;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class CrdTests
{
    private static V1CustomResourceDefinition Crd(string kind) =>
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(LonghornCrds.All.Single(c => c.Kind == kind).Yaml);

    private static IDictionary<string, V1JSONSchemaProps> Props(string kind, string part) =>
        Crd(kind).Spec.Versions.Single().Schema.OpenAPIV3Schema.Properties[part].Properties;

    public static TheoryData<string> Kinds => new() { "Volume", "Snapshot", "Backup", "BackupVolume", "BackupTarget", "Setting", "Engine" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_crd_is_a_namespaced_longhorn_v1beta2_kind_with_a_status_subresource(string kind)
    {
        var crd = Crd(kind);
        var meta = LonghornCrds.All.Single(c => c.Kind == kind);
        Assert.Equal("apiextensions.k8s.io/v1", crd.ApiVersion);
        Assert.Equal("CustomResourceDefinition", crd.Kind);
        Assert.Equal(meta.Name, crd.Metadata.Name);
        Assert.Equal("longhorn.io", crd.Spec.Group);
        Assert.Equal("Namespaced", crd.Spec.Scope);
        Assert.Equal(kind, crd.Spec.Names.Kind);
        Assert.Equal(kind + "List", crd.Spec.Names.ListKind);
        Assert.Equal(meta.Plural, crd.Spec.Names.Plural);
        Assert.Equal(kind.ToLowerInvariant(), crd.Spec.Names.Singular);
        Assert.StartsWith("lh", Assert.Single(crd.Spec.Names.ShortNames));
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal(("v1beta2", true, true), (version.Name, version.Served, version.Storage));
        Assert.NotNull(version.Subresources.Status);
        Assert.Equal("object", version.Schema.OpenAPIV3Schema.Type);
        Assert.NotEmpty(version.AdditionalPrinterColumns);
    }

    [Fact]
    public void Every_status_field_the_data_plane_reports_is_in_the_crd()
    {
        AssertCovers(typeof(BackupStatus), Props("Backup", "status"));
        AssertCovers(typeof(BackupVolumeStatus), Props("BackupVolume", "status"));
        AssertCovers(typeof(BackupVolumeSpec), Props("BackupVolume", "spec"));
        AssertCovers(typeof(BackupTargetStatus), Props("BackupTarget", "status"));
        AssertCovers(typeof(BackupTargetSpec), Props("BackupTarget", "spec"));
        AssertCovers(typeof(SnapshotStatus), Props("Snapshot", "status"));
        AssertCovers(typeof(VolumeStatus), Props("Volume", "status"));
        AssertCovers(typeof(VolumeSpec), Props("Volume", "spec"));
        AssertCovers(typeof(RestoreStatus), AsSchema(Props("Engine", "status")["restoreStatus"].AdditionalProperties).Properties);
        var conditions = AsSchema(Props("BackupTarget", "status")["conditions"].Items);
        Assert.Equal("array", Props("BackupTarget", "status")["conditions"].Type);
        Assert.Superset(new HashSet<string> { "type", "status", "reason", "message", "lastTransitionTime" }, conditions.Properties.Keys.ToHashSet());
        AssertCovers(typeof(LonghornCondition), conditions.Properties);
        var labels = Props("Backup", "status")["labels"];
        Assert.Equal("object", labels.Type);
        Assert.Equal("string", AsSchema(labels.AdditionalProperties).Type);
    }

    [Fact]
    public void The_fields_the_product_sets_are_in_the_crds()
    {
        Assert.Superset(new HashSet<string> { "snapshotName", "labels", "backupMode", "backupBlockSize" }, Props("Backup", "spec").Keys.ToHashSet());
        Assert.Superset(new HashSet<string> { "volume", "createSnapshot", "labels" }, Props("Snapshot", "spec").Keys.ToHashSet());
        Assert.Superset(new HashSet<string> { "fromBackup", "size", "numberOfReplicas", "frontend", "dataEngine", "Standby" }, Props("Volume", "spec").Keys.ToHashSet());
        Assert.Superset(new HashSet<string> { "backupTargetURL", "credentialSecret", "pollInterval" }, Props("BackupTarget", "spec").Keys.ToHashSet());
        var setting = Crd("Setting").Spec.Versions.Single().Schema.OpenAPIV3Schema;
        Assert.Equal("string", setting.Properties["value"].Type);
        Assert.Contains("value", setting.Required);
        Assert.Equal(6, Crd("Backup").Spec.Versions.Single().AdditionalPrinterColumns.Count);
        Assert.Equal(["full", "incremental", ""], Props("Backup", "spec")["backupMode"].EnumProperty.Select(e => e.ToString()));
    }

    [Fact]
    public void The_stream_holds_every_crd_once()
    {
        var docs = KubernetesYaml.LoadAllFromString(LonghornCrds.AllAsYamlStream());
        Assert.Equal(7, docs.Count);
        Assert.All(docs, d => Assert.IsType<V1CustomResourceDefinition>(d));
    }

    // Items and additionalProperties are untyped in the client model: read them back as schemas.
    private static V1JSONSchemaProps AsSchema(object value) => KubernetesYaml.Deserialize<V1JSONSchemaProps>(KubernetesYaml.Serialize(value));

    private static void AssertCovers(Type record, IDictionary<string, V1JSONSchemaProps> schema)
    {
        var names = record.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .ToList();
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.True(schema.ContainsKey(n), $"{record.Name}.{n} is not in the CRD schema"));
    }
}
