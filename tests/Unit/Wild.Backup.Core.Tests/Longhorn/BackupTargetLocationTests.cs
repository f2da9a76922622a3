using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Xunit;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BackupTargetLocationTests
{
    [Theory]
    [InlineData("nfs://nas:/data/backups", "nfs://nas/data/backups")]
    [InlineData("nfs://192.168.1.5:/export/longhorn?nfsOptions=soft,timeo=150", "nfs://192.168.1.5/export/longhorn")]
    [InlineData("nfs://nas:2049/data", "nfs://nas:2049/data")]
    [InlineData("nfs://nas/data", "nfs://nas/data")]
    public void Longhorns_nfs_target_urls_become_urls_of_the_products_client(string target, string expected) =>
        Assert.Equal(expected, BackupTargetLocation.ToDestination(target));

    [Theory]
    [InlineData("s3://bucket@us-east-1/backups", "s3://")]
    [InlineData("cifs://nas/share", "cifs://")]
    public void Targets_this_tool_cannot_read_say_to_give_BackupTarget(string target, string scheme)
    {
        var ex = Assert.Throws<InvalidInputException>(() => BackupTargetLocation.ToDestination(target));
        Assert.Contains(scheme, ex.Message);
        Assert.Contains("-BackupTarget", ex.Message);
    }

    [Theory]
    [InlineData("nfs://nas:/")]
    [InlineData("nas:/data")]
    public void A_target_naming_no_share_is_invalid(string target) =>
        Assert.Throws<InvalidInputException>(() => BackupTargetLocation.ToDestination(target));
}
