using k8s.Models;

namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>Small object builders used across tests.</summary>
internal static class Pods
{
    public static V1Pod Simple(string name, Dictionary<string, string>? labels = null, Dictionary<string, string>? annotations = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels, Annotations = annotations },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "nginx:1.27" }] },
    };

    public static V1PodTemplateSpec Template(Dictionary<string, string> labels, string image = "nginx:1.27", Dictionary<string, string>? annotations = null) => new()
    {
        Metadata = new V1ObjectMeta { Labels = labels, Annotations = annotations },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image, Ports = [new V1ContainerPort { ContainerPort = 80 }] }] },
    };

    public static V1Deployment Deployment(string name, int replicas, string image = "nginx:1.27", Dictionary<string, string>? annotations = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = Template(labels, image, annotations),
            },
        };
    }
}
