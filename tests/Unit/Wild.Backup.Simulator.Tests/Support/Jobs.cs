using k8s.Models;
using Wild.Backup.Simulator.Controllers;

namespace Wild.Backup.Simulator.Tests.Support;

internal static class Jobs
{
    public static V1Job Sleep(string name, string? runSeconds = null, string? behavior = null, int backoffLimit = 6)
    {
        var annotations = new Dictionary<string, string>();
        if (runSeconds is not null) annotations[PodBehaviorAnnotations.RunSeconds] = runSeconds;
        if (behavior is not null) annotations[PodBehaviorAnnotations.Behavior] = behavior;
        return new V1Job
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1JobSpec
            {
                BackoffLimit = backoffLimit,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Annotations = annotations },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        Containers = [new V1Container { Name = "db-init", Image = "postgres:15", Command = ["psql", "-c", "select 1"] }],
                    },
                },
            },
        };
    }
}
