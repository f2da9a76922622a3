using System.Text.Json;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Images;

/// <summary>qemu's own tool as the judge of the images we write (Debian's qemu-utils).</summary>
public static class QemuImg
{
    /// <summary><c>qemu-img check</c>: fails the test on any corruption or leaked cluster (non-zero exit).</summary>
    public static Task CheckAsync(string qcow2) => ExternalTool.RunAsync("qemu-img", "check", "-f", "qcow2", qcow2);

    /// <summary><c>qemu-img compare</c>: fails the test unless both read the same (a shorter image reads as zeros past its end,
    /// so sizes are checked apart, through <see cref="InfoAsync"/>).</summary>
    public static Task CompareAsync(string image, string imageFormat, string reference, string referenceFormat = "raw") =>
        ExternalTool.RunAsync("qemu-img", "compare", "-f", imageFormat, "-F", referenceFormat, image, reference);

    /// <summary><c>qemu-img info</c> as JSON.</summary>
    public static async Task<JsonElement> InfoAsync(string image)
    {
        var json = await ExternalTool.RunAsync("qemu-img", "info", "--output=json", image);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Checks the image is a qcow2 v3 of <paramref name="virtualSize"/> bytes, passes check and equals the raw reference.</summary>
    public static async Task AssertQcow2EqualsAsync(string qcow2, string raw, long virtualSize)
    {
        var info = await InfoAsync(qcow2);
        Assert.Equal("qcow2", info.GetProperty("format").GetString());
        Assert.Equal(virtualSize, info.GetProperty("virtual-size").GetInt64());
        Assert.Equal("1.1", info.GetProperty("format-specific").GetProperty("data").GetProperty("compat").GetString());
        await CheckAsync(qcow2);
        await CompareAsync(qcow2, "qcow2", raw);
    }
}
