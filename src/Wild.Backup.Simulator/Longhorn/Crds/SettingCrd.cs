namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>settings.longhorn.io (longhorn-manager v1beta2 Setting): a top-level <c>value</c>, no spec.</summary>
internal static class SettingCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("Setting", "settings", "lhs",
        "{description: The value of the setting, jsonPath: .value, name: Value, type: string}",
        "{description: The setting is applied, jsonPath: .status.applied, name: Applied, type: boolean}",
        "{jsonPath: .metadata.creationTimestamp, name: Age, type: date}") + """
                  value: {type: string}
                  status:
                    type: object
                    properties:
                      applied: {type: boolean}
                required: [value]
        """;
}
