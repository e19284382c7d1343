using System.Security.Cryptography;

namespace RdmaOffload.Containers.Tests;

/// <summary>A directory the host container serves: an index page and a random file of the given size.</summary>
internal sealed class SiteDirectory : IDisposable
{
    public SiteDirectory(string marker, int blobSize)
    {
        Root = Directory.CreateTempSubdirectory("rdo-ctr-site.").FullName;
        Page = $"<!doctype html>\n<html><head><title>RdmaOffload</title></head><body><h1>{marker}</h1></body></html>\n";
        File.WriteAllText(Path.Combine(Root, "index.html"), Page);
        var blob = RandomNumberGenerator.GetBytes(blobSize);
        File.WriteAllBytes(Path.Combine(Root, "blob.bin"), blob);
        BlobSha256 = Convert.ToHexStringLower(SHA256.HashData(blob));
    }

    public string Root { get; }

    public string Page { get; }

    /// <summary>Lower-case hex, as sha256sum prints it.</summary>
    public string BlobSha256 { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
