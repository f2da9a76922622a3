using k8s.Models;

namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>A CRD shaped like Longhorn's (group, versions, status subresource, preserve-unknown-fields status).</summary>
internal static class Crds
{
    public static V1CustomResourceDefinition Widget(string group, string plural = "widgets", string kind = "Widget", string scope = "Namespaced", bool statusSubresource = true)
        => new()
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = $"{plural}.{group}" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = group,
                Scope = scope,
                Names = new V1CustomResourceDefinitionNames { Plural = plural, Singular = kind.ToLowerInvariant(), Kind = kind, ListKind = kind + "List", ShortNames = ["wdg"] },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1beta2",
                        Served = true,
                        Storage = true,
                        Subresources = statusSubresource ? new V1CustomResourceSubresources { Status = new object() } : null,
                        Schema = new V1CustomResourceValidation
                        {
                            OpenAPIV3Schema = new V1JSONSchemaProps
                            {
                                Type = "object",
                                Properties = new Dictionary<string, V1JSONSchemaProps>
                                {
                                    ["spec"] = new()
                                    {
                                        Type = "object",
                                        Required = ["size"],
                                        Properties = new Dictionary<string, V1JSONSchemaProps>
                                        {
                                            ["size"] = new() { Type = "integer", Minimum = 1 },
                                            ["color"] = new() { Type = "string", EnumProperty = ["red", "blue"], DefaultProperty = "blue" },
                                            ["tags"] = new() { Type = "array", Items = new V1JSONSchemaProps { Type = "string" }, XKubernetesListType = "set" },
                                        },
                                    },
                                    ["status"] = new() { Type = "object", XKubernetesPreserveUnknownFields = true },
                                },
                            },
                        },
                    },
                ],
            },
        };
}
