namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>Schema pieces several Longhorn CRDs share, indented to where they are inserted.</summary>
internal static class CrdFragments
{
    /// <summary>A longhorn-manager <c>[]Condition</c> (Volume, BackupTarget status.conditions).</summary>
    public static string Conditions(int indent) => Indent(indent, """
        items:
          properties:
            lastProbeTime:
              type: string
            lastTransitionTime:
              type: string
            message:
              type: string
            reason:
              type: string
            status:
              type: string
            type:
              type: string
          type: object
        nullable: true
        type: array
        """);

    /// <summary>A nullable <c>map[string]string</c>.</summary>
    public static string StringMap(int indent) => Indent(indent, """
        additionalProperties:
          type: string
        nullable: true
        type: object
        """);

    /// <summary>
    /// Everything up to a CRD's own properties: apiVersion, kind, metadata, group, names, the one served and stored
    /// version v1beta2 with its status subresource and printer columns (flow-style YAML maps), and the schema's
    /// apiVersion/kind/metadata. The CRD appends its properties indented by 10.
    /// </summary>
    public static string Header(string kind, string plural, string shortName, params string[] printerColumns) => $"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: {plural}.longhorn.io
          labels:
            app.kubernetes.io/name: longhorn
            longhorn-manager: ""
        spec:
          group: longhorn.io
          names:
            kind: {kind}
            listKind: {kind}List
            plural: {plural}
            shortNames:
            - {shortName}
            singular: {kind.ToLowerInvariant()}
          scope: Namespaced
          versions:
          - name: v1beta2
            served: true
            storage: true
            subresources:
              status: {"{}"}
            additionalPrinterColumns:
        {string.Join("\n", printerColumns.Select(c => "    - " + c))}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  apiVersion: {"{type: string}"}
                  kind: {"{type: string}"}
                  metadata: {"{type: object}"}

        """;

    /// <summary>A schema line present only in some versions (an empty line, which YAML ignores, otherwise).</summary>
    public static string If(bool present, string line) => present ? line : "";

    private static string Indent(int n, string text)
    {
        var pad = new string(' ', n);
        var lines = text.Split('\n');
        return string.Join('\n', lines.Select((l, i) => i == 0 || l.Length == 0 ? l : pad + l));
    }
}
