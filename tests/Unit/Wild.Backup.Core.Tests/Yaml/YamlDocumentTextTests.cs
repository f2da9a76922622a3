using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Yaml;
using Xunit;

namespace Wild.Backup.Core.Tests.Yaml;

public sealed class YamlDocumentTextTests
{
    private const string Config = """
        # Wild Cloud instance configuration
        operator:
          email: ops@example.com  # who gets paged
        cloud:
          domain: cloud.example.com
          nfs:
            host: 192.168.8.10
            mediaPath: /data/media
        # Apps deployed on this instance
        apps:
          # the shared database
          postgres:
            image: pgvector/pgvector:pg15
            storage: 10Gi
          gitea:
            # where people reach it
            domain: gitea.cloud.example.com
            storage: 10Gi
            dbHost: postgres.postgres.svc.cluster.local

            # keep in sync with postgres
            dbName: gitea
          immich: {domain: photos.cloud.example.com, storage: 100Gi}
        cluster:
          name: example-cluster
          nodes:
            talos: {version: v1.10.4}

        """;

    private static readonly string[] Gitea = ["apps", "gitea"];

    [Fact]
    public void Extracts_an_app_section_with_its_comments_and_dedented()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        Assert.Equal("""
            # where people reach it
            domain: gitea.cloud.example.com
            storage: 10Gi
            dbHost: postgres.postgres.svc.cluster.local

            # keep in sync with postgres
            dbName: gitea

            """, doc.ExtractValue(Gitea));
    }

    [Fact]
    public void Extracts_a_flow_section_as_is()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        Assert.Equal("{domain: photos.cloud.example.com, storage: 100Gi}\n", doc.ExtractValue(["apps", "immich"]));
    }

    [Fact]
    public void Absent_section_extracts_as_null()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        Assert.Null(doc.ExtractValue(["apps", "nextcloud"]));
        Assert.Null(doc.ExtractValue(["nothing", "here"]));
    }

    [Fact]
    public void Removing_apps_keeps_everything_else_byte_for_byte()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        var cluster = doc.Remove(["apps"]).Text;
        Assert.Equal("""
            # Wild Cloud instance configuration
            operator:
              email: ops@example.com  # who gets paged
            cloud:
              domain: cloud.example.com
              nfs:
                host: 192.168.8.10
                mediaPath: /data/media
            cluster:
              name: example-cluster
              nodes:
                talos: {version: v1.10.4}

            """, cluster);
    }

    [Fact]
    public void Setting_an_app_replaces_only_that_app()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        var updated = doc.SetValue(Gitea, "# restored\ndomain: git.example.org\nstorage: 20Gi\n").Text;
        var expected = Config.Replace("""
                # where people reach it
                domain: gitea.cloud.example.com
                storage: 10Gi
                dbHost: postgres.postgres.svc.cluster.local

                # keep in sync with postgres
                dbName: gitea

            """, """
                # restored
                domain: git.example.org
                storage: 20Gi

            """);
        Assert.Equal(expected, updated);
    }

    [Fact]
    public void Extract_then_set_round_trips_to_the_identical_file()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        foreach (var app in new[] { "postgres", "gitea", "immich" })
        {
            var section = doc.ExtractValue(["apps", app])!;
            Assert.Equal(Config, doc.SetValue(["apps", app], section).Text);
        }
    }

    [Fact]
    public void Setting_a_new_app_appends_it_to_the_apps_mapping()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        var updated = doc.SetValue(["apps", "nextcloud"], "domain: cloud.example.com\nstorage: 50Gi\n");
        Assert.Contains("  immich: {domain: photos.cloud.example.com, storage: 100Gi}\n  nextcloud:\n    domain: cloud.example.com\n    storage: 50Gi\ncluster:", updated.Text);
        Assert.Equal("50Gi", updated.GetScalar(["apps", "nextcloud", "storage"]));
        Assert.Equal("pgvector/pgvector:pg15", updated.GetScalar(["apps", "postgres", "image"]));
    }

    [Fact]
    public void Setting_an_app_when_there_is_no_apps_section_creates_one()
    {
        var doc = YamlDocumentText.Parse("cloud:\n  domain: x\n", "config.yaml");
        var updated = doc.SetValue(Gitea, "domain: g\n");
        Assert.Equal("cloud:\n  domain: x\napps:\n  gitea:\n    domain: g\n", updated.Text);
    }

    [Fact]
    public void Setting_an_app_into_an_empty_file_creates_the_path()
    {
        var updated = YamlDocumentText.Parse("", "config.yaml").SetValue(Gitea, "domain: g\n");
        Assert.Equal("apps:\n  gitea:\n    domain: g\n", updated.Text);
    }

    [Fact]
    public void Setting_an_app_under_a_null_apps_key()
    {
        var updated = YamlDocumentText.Parse("cloud: {}\napps:\n", "config.yaml").SetValue(Gitea, "domain: g\n");
        Assert.Equal("g", updated.GetScalar(["apps", "gitea", "domain"]));
        Assert.StartsWith("cloud: {}\napps:", updated.Text);
    }

    [Fact]
    public void Flow_style_apps_mapping_is_edited_in_flow_style()
    {
        const string flow = "cloud: {domain: x}\napps: {postgres: {storage: 10Gi}, gitea: {domain: old, storage: 10Gi}}  # flow\n";
        var doc = YamlDocumentText.Parse(flow, "config.yaml");
        var updated = doc.SetValue(Gitea, "# comment dropped in flow\ndomain: new\nstorage: 20Gi\n");
        Assert.Equal("cloud: {domain: x}\napps: {postgres: {storage: 10Gi}, gitea: {domain: new, storage: 20Gi}}  # flow\n", updated.Text);
        var added = doc.SetValue(["apps", "immich"], "storage: 1Ti\n");
        Assert.Equal("cloud: {domain: x}\napps: {postgres: {storage: 10Gi}, gitea: {domain: old, storage: 10Gi}, immich: {storage: 1Ti}}  # flow\n", added.Text);
    }

    [Fact]
    public void Inline_app_value_replaced_by_a_block_keeps_the_line_comment()
    {
        const string text = "apps:\n  gitea: {domain: a}  # inline\n  other: 1\n";
        var updated = YamlDocumentText.Parse(text, "config.yaml").SetValue(Gitea, "domain: b\nstorage: 1Gi\n");
        Assert.Equal("apps:\n  gitea:  # inline\n    domain: b\n    storage: 1Gi\n  other: 1\n", updated.Text);
    }

    [Fact]
    public void Block_value_replaced_by_a_flow_value_goes_on_the_key_line()
    {
        const string text = "apps:\n  gitea:\n    domain: a\n  other: 1\n";
        var updated = YamlDocumentText.Parse(text, "config.yaml").SetValue(Gitea, "{domain: b}\n");
        Assert.Equal("apps:\n  gitea: {domain: b}\n  other: 1\n", updated.Text);
    }

    [Fact]
    public void Block_scalars_and_quoted_values_survive_round_trips()
    {
        const string text = "apps:\n  gitea:\n    script: |\n      line one\n        indented\n      line three\n    quoted: \"10\"\n    number: 10\n  z: 1\n";
        var doc = YamlDocumentText.Parse(text, "config.yaml");
        var section = doc.ExtractValue(Gitea)!;
        Assert.Equal("script: |\n  line one\n    indented\n  line three\nquoted: \"10\"\nnumber: 10\n", section);
        Assert.Equal(text, doc.SetValue(Gitea, section).Text);
        var inFlow = YamlDocumentText.Parse("apps: {gitea: {}}\n", "c").SetValue(Gitea, section);
        Assert.Equal("line one\n  indented\nline three\n", inFlow.GetScalar(["apps", "gitea", "script"]));
        Assert.Equal("10", inFlow.GetScalar(["apps", "gitea", "quoted"]));
    }

    [Fact]
    public void Four_space_indentation_is_followed()
    {
        const string text = "apps:\n    postgres:\n        storage: 1Gi\n";
        var updated = YamlDocumentText.Parse(text, "config.yaml").SetValue(Gitea, "domain: g\nnested:\n  a: 1\n");
        Assert.Equal("apps:\n    postgres:\n        storage: 1Gi\n    gitea:\n        domain: g\n        nested:\n          a: 1\n", updated.Text);
    }

    [Fact]
    public void Sequences_under_the_same_indent_as_their_key_are_handled()
    {
        const string text = "apps:\n  gitea:\n    hosts:\n    - a\n    - b\n    # about hosts\n  other: 1\n";
        var doc = YamlDocumentText.Parse(text, "config.yaml");
        Assert.Equal("hosts:\n- a\n- b\n# about hosts\n", doc.ExtractValue(Gitea));
        Assert.Equal(text, doc.SetValue(Gitea, doc.ExtractValue(Gitea)!).Text);
    }

    [Fact]
    public void Removing_the_only_app_leaves_an_empty_apps_mapping()
    {
        const string text = "cloud: {}\napps:\n  gitea:\n    domain: a\nafter: 1\n";
        var updated = YamlDocumentText.Parse(text, "config.yaml").Remove(Gitea);
        Assert.Equal("cloud: {}\napps: {}\nafter: 1\n", updated.Text);
    }

    [Fact]
    public void Top_level_entry_moves_between_documents_with_its_comments()
    {
        var doc = YamlDocumentText.Parse(Config, "config.yaml");
        var apps = doc.ExtractTopLevelEntry("apps")!;
        Assert.StartsWith("# Apps deployed on this instance\napps:\n", apps);
        var cluster = doc.Remove(["apps"]);
        var merged = cluster.InsertTopLevelEntry(apps, after: "cloud", first: false);
        Assert.Equal(Config, merged.Text);
    }

    [Fact]
    public void Crlf_files_are_read()
    {
        var crlf = "cloud:\r\n  domain: x\r\napps:\r\n  gitea:\r\n    domain: g\r\n";
        var doc = YamlDocumentText.Parse(crlf, "config.yaml");
        Assert.Equal("domain: g\n", doc.ExtractValue(Gitea));
        Assert.Equal("h", doc.SetValue(Gitea, "domain: h\n").GetScalar(["apps", "gitea", "domain"]));
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_position_and_never_content()
    {
        var ex = Assert.Throws<InvalidInputException>(() => YamlDocumentText.Parse("apps:\n  gitea:\n    password: hunter2\n   bad: [\n", "secrets.yaml"));
        Assert.Contains("secrets.yaml is not valid YAML (line", ex.Message);
        Assert.DoesNotContain("hunter2", ex.ToString());
    }

    [Fact]
    public void A_top_level_sequence_is_refused()
    {
        var ex = Assert.Throws<InvalidInputException>(() => YamlDocumentText.Parse("- a\n- b\n", "config.yaml"));
        Assert.Contains("mapping", ex.Message);
    }

    [Fact]
    public void Setting_below_a_scalar_is_refused_and_says_why()
    {
        var doc = YamlDocumentText.Parse("apps: none\n", "config.yaml");
        var ex = Assert.Throws<InvalidInputException>(() => doc.SetValue(Gitea, "a: 1\n"));
        Assert.Contains("'apps' is not a mapping", ex.Message);
    }

    [Fact]
    public void Manifest_fields_are_read()
    {
        var doc = YamlDocumentText.Parse("name: gitea\nrequires:\n  - name: postgres\n  - name: redis\nversion: 1.0.0\n", "manifest.yaml");
        Assert.Equal(["postgres", "redis"], doc.GetSequenceOfMappingsField(["requires"], "name"));
        Assert.Equal("1.0.0", doc.GetScalar(["version"]));
        Assert.Empty(doc.GetSequenceOfMappingsField(["nothing"], "name"));
    }
}
