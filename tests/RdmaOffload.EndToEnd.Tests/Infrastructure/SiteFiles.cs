using System.Security.Cryptography;

namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

/// <summary>A directory of files for the static file host, removed on dispose.</summary>
internal sealed class SiteFiles : IDisposable
{
    public SiteFiles(params (string Name, int Size)[] files)
    {
        Root = Directory.CreateTempSubdirectory("rdo-site-").FullName;
        File.WriteAllText(Path.Combine(Root, "index.html"), "<!doctype html><title>e2e</title><h1>served through the adapter</h1>\n");
        var random = new Random(42);
        foreach (var (name, size) in files)
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(Root, name), bytes);
            Hashes[name] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
    }

    public string Root { get; }

    /// <summary>Lower-case hex SHA-256 per file name, as sha256sum prints it.</summary>
    public Dictionary<string, string> Hashes { get; } = [];

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
