using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// What kube-controller-manager puts in every active namespace: the "default" ServiceAccount
/// (serviceaccount controller) and the "kube-root-ca.crt" ConfigMap (root-ca-cert-publisher),
/// recreated if deleted and restored if edited.
/// </summary>
internal sealed class NamespaceDefaultsController : Controller
{
    public const string RootCaConfigMap = "kube-root-ca.crt";

    public NamespaceDefaultsController(ClusterRuntime rt) : base(rt, "namespace-defaults") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches =>
    [
        GroupVersionResource.Namespaces.GroupResource,
        GroupVersionResource.ServiceAccounts.GroupResource,
        GroupVersionResource.ConfigMaps.GroupResource,
    ];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var nsResource = GroupVersionResource.Namespaces.GroupResource;
        var o = (e.Object ?? e.Previous)!;
        if (e.Resource == nsResource) return [new ObjectRef(nsResource, "", o.Name)];
        if ((e.Resource == GroupVersionResource.ServiceAccounts.GroupResource && o.Name == "default")
            || (e.Resource == GroupVersionResource.ConfigMaps.GroupResource && o.Name == RootCaConfigMap))
        {
            return e.Type == StoreEventType.Added ? [] : [new ObjectRef(nsResource, "", o.Namespace)];
        }
        return [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var ns = Rt.GetObject(GroupVersionResource.Namespaces, null, key.Name);
        if (ns is null || ns.Str("metadata", "deletionTimestamp") is not null || ns.Str("status", "phase") != "Active") return Task.CompletedTask;
        try
        {
            if (Rt.GetObject(GroupVersionResource.ServiceAccounts, key.Name, "default") is null)
            {
                Api.Create(GroupVersionResource.ServiceAccounts, key.Name, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, Write, new RequestInfo());
            }
            var cm = Rt.GetObject(GroupVersionResource.ConfigMaps, key.Name, RootCaConfigMap);
            var data = new JsonObject { ["ca.crt"] = Rt.CaCertificatePem };
            if (cm is null)
            {
                Api.Create(GroupVersionResource.ConfigMaps, key.Name, new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = RootCaConfigMap,
                        ["annotations"] = new JsonObject
                        {
                            ["kubernetes.io/description"] = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
                        },
                    },
                    ["data"] = data,
                }, Write, new RequestInfo());
            }
            else if (!JsonTools.DeepEquals(cm["data"], data))
            {
                cm["data"] = data;
                Api.Replace(GroupVersionResource.ConfigMaps, key.Name, RootCaConfigMap, cm, null, Write, new RequestInfo());
            }
        }
        catch (KubeApiException e) when (e.Code is 409 or 403 or 404)
        {
            // Raced with another writer or the namespace started terminating.
        }
        return Task.CompletedTask;
    }
}
