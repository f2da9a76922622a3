using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Crds;
using Xunit;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class CrdTests
{
    private static V1CustomResourceDefinition Crd(string kind, LonghornVersion? version = null) =>
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(LonghornCrds.For(version ?? LonghornVersion.Default).Single(c => c.Kind == kind).Yaml);

    private static IDictionary<string, V1JSONSchemaProps> Props(string kind, string part, LonghornVersion? version = null) =>
        Crd(kind, version).Spec.Versions.Single().Schema.OpenAPIV3Schema.Properties[part].Properties;

    public static TheoryData<string> Versions => new() { "1.7", "1.8", "1.9", "1.10" };

    [Theory]
    [MemberData(nameof(Versions))]
    public void No_crd_keeps_unknown_fields_as_longhorns_v1beta2_crds_do_not(string version)
    {
        foreach (var crd in LonghornCrds.For(LonghornVersion.Parse(version)))
        {
            Assert.DoesNotContain("x-kubernetes-preserve-unknown-fields", crd.Yaml, StringComparison.Ordinal);
            var schema = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(crd.Yaml).Spec.Versions.Single().Schema.OpenAPIV3Schema;
            Assert.Null(schema.XKubernetesPreserveUnknownFields);
        }
    }

    [Theory]
    [InlineData("1.7", false, false, false)]
    [InlineData("1.8", true, false, false)]
    [InlineData("1.9", true, true, false)]
    [InlineData("1.10", true, true, true)]
    public void Each_version_has_the_fields_its_types_have(string version, bool backupTargetName, bool ublk, bool backupBlockSize)
    {
        var v = LonghornVersion.Parse(version);
        Assert.Equal(backupTargetName, Props("Volume", "spec", v).ContainsKey("backupTargetName"));
        Assert.Equal(backupTargetName, Props("Backup", "status", v).ContainsKey("backupTargetName"));
        Assert.Equal(backupTargetName, Props("BackupVolume", "spec", v).ContainsKey("volumeName"));
        Assert.Equal(ublk, Props("Volume", "spec", v)["frontend"].EnumProperty.Select(e => e.ToString()).Contains("ublk"));
        Assert.Equal(backupBlockSize, Props("Volume", "spec", v).ContainsKey("backupBlockSize"));
        Assert.Equal(backupBlockSize, Props("Backup", "spec", v).ContainsKey("backupBlockSize"));
        Assert.Equal(["rwo", "rwx"], Props("Volume", "spec", v)["accessMode"].EnumProperty.Select(e => e.ToString()));
        Assert.Superset(new HashSet<string> { "encrypted", "dataEngine", "dataLocality", "numberOfReplicas", "accessMode" }, Props("Volume", "spec", v).Keys.ToHashSet());
    }

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
        // The newest version has every field the data plane reports; older ones drop those they do not have.
        var latest = LonghornVersion.V1_10;
        AssertCovers(typeof(BackupStatus), Props("Backup", "status", latest));
        AssertCovers(typeof(BackupVolumeStatus), Props("BackupVolume", "status", latest));
        AssertCovers(typeof(BackupVolumeSpec), Props("BackupVolume", "spec", latest));
        AssertCovers(typeof(BackupTargetStatus), Props("BackupTarget", "status", latest));
        AssertCovers(typeof(BackupTargetSpec), Props("BackupTarget", "spec", latest));
        AssertCovers(typeof(SnapshotStatus), Props("Snapshot", "status", latest));
        AssertCovers(typeof(VolumeStatus), Props("Volume", "status", latest));
        AssertCovers(typeof(VolumeSpec), Props("Volume", "spec", latest));
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
        Assert.Superset(new HashSet<string> { "snapshotName", "labels", "backupMode" }, Props("Backup", "spec").Keys.ToHashSet());
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
