using System.Text.Json.Nodes;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Kubernetes;
using Xunit;

namespace Wild.Backup.Core.Tests.Instances;

public sealed class AppManifestTests
{
    [Fact]
    public void A_strict_manifest_reads_without_warnings()
    {
        var m = AppManifest.Parse("name: gitea\ndescription: Git\nversion: 1.0.0\nrequires:\n  - name: postgres\n    alias: db\ndefaultConfig:\n  dbName: gitea\n", "m");
        Assert.Equal("gitea", m.Name);
        Assert.Equal(["postgres"], m.Requires);
        Assert.Equal("gitea", m.Document.Str("defaultConfig", "dbName"));
        Assert.Empty(m.Warnings);
    }

    [Fact]
    public void Template_expressions_are_kept_as_their_text_inside_quotes_bare_and_as_whole_values()
    {
        var m = AppManifest.Parse("""
            name: listmonk
            defaultConfig:
              domain: "lists.{{ .cloud.domain }}"
              port: {{ .apps.listmonk.port }}
              tls: {{ .cloud.smtp.tls }}
              dbName: listmonk
            requires:
              - name: postgres
            """, "apps/listmonk/manifest.yaml");
        Assert.Equal("lists.{{ .cloud.domain }}", m.Document.Str("defaultConfig", "domain"));
        Assert.Equal("{{ .apps.listmonk.port }}", m.Document.Str("defaultConfig", "port"));
        Assert.Equal("{{ .cloud.smtp.tls }}", m.Document.Str("defaultConfig", "tls"));
        Assert.Equal("listmonk", m.Document.Str("defaultConfig", "dbName"));
        Assert.Equal(["postgres"], m.Requires);
        var warning = Assert.Single(m.Warnings);
        Assert.StartsWith("apps/listmonk/manifest.yaml is not strict YAML: it holds unquoted template expressions", warning);
    }

    [Fact]
    public void Quoted_templates_in_values_the_tool_does_not_use_are_normal_and_need_no_warning()
    {
        // As in the catalogue (wild-central directory/apps/gitea/manifest.yaml): defaultConfig is rendered by the daemon
        // into config.yaml when the app is added, so the instance's copy keeps its expressions.
        var m = AppManifest.Parse("name: gitea\ndefaultConfig:\n  domain: gitea.{{ .cloud.domain }}\n  adminEmail: \"admin@{{ .cloud.domain }}\"\n  dbName: gitea\n", "m");
        Assert.Empty(m.Warnings);
        Assert.Equal("admin@{{ .cloud.domain }}", m.Document.Str("defaultConfig", "adminEmail"));
    }

    [Fact]
    public void Templates_in_requirements_secrets_or_database_keys_are_a_warning_naming_the_fields()
    {
        var m = AppManifest.Parse("name: app\nrequires:\n  - name: \"{{ .db }}\"\ndefaultConfig:\n  dbName: \"{{ .apps.app.db }}\"\n  domain: \"{{ .x }}\"\n", "m");
        var warning = Assert.Single(m.Warnings);
        Assert.Contains("in requires, defaultConfig.dbName;", warning);
        Assert.Equal(["{{ .db }}"], m.Requires);
    }

    [Fact]
    public void A_key_repeated_in_a_mapping_is_read_with_the_last_value_and_a_warning()
    {
        // wild-central's ghost manifest repeats defaultConfig.tlsSecretName.
        var m = AppManifest.Parse("name: ghost\ndefaultConfig:\n  tlsSecretName: a\n  dbName: ghost\n  tlsSecretName: b\n", "m");
        Assert.Equal("b", m.Document.Str("defaultConfig", "tlsSecretName"));
        Assert.Equal("ghost", m.Document.Str("defaultConfig", "dbName"));
        Assert.Contains("a key appears twice", Assert.Single(m.Warnings));
    }

    [Fact]
    public void A_manifest_that_is_not_yaml_even_without_templates_is_read_key_by_key_naming_what_was_lost()
    {
        var m = AppManifest.Parse("""
            name: broken
            description: [unclosed
            requires:
              - name: redis
            requiredSecrets:
              - apps.broken.key
            """, "apps/broken/manifest.yaml");
        Assert.Equal("broken", m.Name);
        Assert.Equal(["redis"], m.Requires);
        Assert.Null(m.Description);
        Assert.Equal("apps.broken.key", m.Document.Arr("requiredSecrets")![0]!.GetValue<string>());
        var warning = Assert.Single(m.Warnings);
        Assert.Contains("not strict YAML", warning);
        Assert.Contains("'description' (line 2)", warning);
    }

    [Theory]
    [InlineData("")]
    [InlineData("- just\n- a list\n")]
    [InlineData("{{ .whole.file }}")]
    [InlineData("\t\tname: tabs\n:::\n")]
    [InlineData("name: x\nname: duplicate\n")]
    public void Garbage_never_throws(string text)
    {
        var m = AppManifest.Parse(text, "m");
        Assert.NotNull(m.Document);
        Assert.Empty(m.Requires);
    }

    [Fact]
    public void Warnings_never_quote_the_manifest()
    {
        const string secretish = "s3cr3t-VALUE-that-must-not-leak";
        var m = AppManifest.Parse($"name: x\ndefaultConfig:\n  token: {{{{ .x }}}} {secretish}: [\nrequires: {secretish}\n", "m");
        Assert.All(m.Warnings, w => Assert.DoesNotContain(secretish, w));
    }

    [Fact]
    public void Older_manifests_listing_requirements_as_plain_names_are_understood()
    {
        Assert.Equal(["postgres", "redis"], AppManifest.Parse("name: immich\nrequires: [postgres, redis]\n", "m").Requires);
    }

    [Fact]
    public void Scalars_read_as_written_where_text_is_expected()
    {
        // The daemon reads name/version into Go strings: "1.10" stays "1.10", not the float 1.1.
        Assert.Equal("1.10", AppManifest.Parse("name: app\nversion: 1.10\n", "m").Version);
        Assert.Equal("1.10", AppManifest.Parse("name: app\nversion: 1.10\nx: {{ .y }}\n", "m").Version);
        Assert.Equal("2", AppManifest.Parse("name: app\nversion: 2\nbad: [\n", "m").Version);
    }
}
