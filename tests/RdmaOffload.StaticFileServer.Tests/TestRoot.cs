namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>
/// A temporary directory tree: <c>outside/secret.txt</c> (never to be served) next to the served <c>root/</c>,
/// which holds a few files, a directory with and one without index.html, and symbolic links in and out.
/// </summary>
internal sealed class TestRoot : IDisposable
{
    public const string SecretText = "TOP-SECRET-OUTSIDE-THE-ROOT";

    public TestRoot()
    {
        Base = Directory.CreateTempSubdirectory("sfs-test-").FullName;
        Root = Path.Combine(Base, "root");
        Outside = Path.Combine(Base, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), SecretText);
        File.WriteAllText(Path.Combine(Root, "hello.txt"), "hello, world\n");
        File.WriteAllText(Path.Combine(Root, "page.html"), "<h1>page</h1>");
        File.WriteAllText(Path.Combine(Root, "style.css"), "body{}");
        File.WriteAllBytes(Path.Combine(Root, "empty.bin"), []);
        File.WriteAllText(Path.Combine(Root, "with space ü.txt"), "spaced");
        Directory.CreateDirectory(Path.Combine(Root, "docs"));
        File.WriteAllText(Path.Combine(Root, "docs", "index.html"), "<p>docs index</p>");
        Directory.CreateDirectory(Path.Combine(Root, "bare"));
        File.WriteAllText(Path.Combine(Root, "bare", "note.txt"), "note");
        Digits = new byte[10_000];
        for (var i = 0; i < Digits.Length; i++)
        {
            Digits[i] = (byte)('0' + (i % 10));
        }

        File.WriteAllBytes(Path.Combine(Root, "digits.bin"), Digits);

        // Links: one inside the root (allowed), several escaping it (refused).
        File.CreateSymbolicLink(Path.Combine(Root, "inner-link.txt"), "hello.txt");
        File.CreateSymbolicLink(Path.Combine(Root, "escape.txt"), Path.Combine(Outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(Root, "escape-relative.txt"), "../outside/secret.txt");
        Directory.CreateSymbolicLink(Path.Combine(Root, "escape-dir"), Outside);
        Directory.CreateSymbolicLink(Path.Combine(Root, "etc-link"), "/etc");
        File.CreateSymbolicLink(Path.Combine(Root, "loop-a"), "loop-b");
        File.CreateSymbolicLink(Path.Combine(Root, "loop-b"), "loop-a");
        Directory.CreateDirectory(Path.Combine(Root, "escape-index"));
        File.CreateSymbolicLink(Path.Combine(Root, "escape-index", "index.html"), Path.Combine(Outside, "secret.txt"));
    }

    public string Base { get; }

    public string Root { get; }

    public string Outside { get; }

    public byte[] Digits { get; }

    public string Write(string relativePath, byte[] content)
    {
        var path = Path.Combine(Root, relativePath);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Base, recursive: true);
}
