using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Xunit;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BackupUrlTests
{
    [Fact]
    public void Encodes_like_EncodeBackupURL_with_sorted_query_keys()
    {
        Assert.Equal("nfs://nas:/export/backups?backup=backup-1&volume=pvc-1", BackupUrl.Encode("nfs://nas:/export/backups", "pvc-1", "backup-1"));
        Assert.Equal("nfs://nas:/export?volume=pvc-1", BackupUrl.Encode("nfs://nas:/export", "pvc-1", null));
        Assert.Equal("nfs://nas:/export?backup=b-1&nfsOptions=nfsvers%3D4.2&volume=v-1",
            BackupUrl.Encode("nfs://nas:/export?nfsOptions=nfsvers=4.2", "v-1", "b-1"));
    }

    [Fact]
    public void Decodes_back_to_target_volume_and_backup()
    {
        var u = BackupUrl.Decode("nfs://nas:/export?backup=b-1&nfsOptions=nfsvers%3D4.2&volume=v-1");
        Assert.Equal(new BackupUrl("nfs://nas:/export?nfsOptions=nfsvers%3D4.2", "v-1", "b-1"), u);
        Assert.Equal("nfs://nas:/export", BackupUrl.Decode("nfs://nas:/export?volume=v-1").TargetUrl);
        Assert.Null(BackupUrl.Decode("nfs://nas:/export?volume=v-1").BackupName);
    }

    [Theory]
    [InlineData("nfs://nas:/export")]
    [InlineData("nfs://nas:/export?volume=../x")]
    [InlineData("nfs://nas:/export?volume=v-1&backup=a/b")]
    public void Refuses_urls_without_valid_names(string url) =>
        Assert.Throws<InvalidInputException>(() => BackupUrl.Decode(url));
}
