namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>
/// Maps a decoded relative path to a regular file under the root, resolving every symbolic link on the way (as
/// realpath does) and refusing any final path outside the root. A directory yields its index.html or nothing.
/// </summary>
internal sealed class FileResolver
{
    private const int MaxLinkHops = 40;
    private const string IndexFile = "index.html";
    private readonly string _rootPrefix;

    /// <summary>Opens the root; throws <see cref="DirectoryNotFoundException"/> when it is not an existing directory.</summary>
    public FileResolver(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var real = Canonicalize(Path.GetFullPath(root));
        if (real is null || !Directory.Exists(real))
        {
            throw new DirectoryNotFoundException($"The root '{root}' is not an existing directory.");
        }

        Root = real;
        _rootPrefix = real == "/" ? "/" : real + "/";
    }

    /// <summary>The root with every symbolic link resolved.</summary>
    public string Root { get; }

    /// <summary>The real path of the file to serve for <paramref name="relativePath"/>, or null (404).</summary>
    public string? Resolve(string relativePath)
    {
        var real = Canonicalize(relativePath.Length == 0 ? Root : _rootPrefix + relativePath);
        if (real is null || !IsUnderRoot(real))
        {
            return null;
        }

        if (Directory.Exists(real))
        {
            real = Canonicalize(Path.Join(real, IndexFile));
            if (real is null || !IsUnderRoot(real))
            {
                return null;
            }
        }

        return File.Exists(real) ? real : null;
    }

    private bool IsUnderRoot(string real) => real == Root || real.StartsWith(_rootPrefix, StringComparison.Ordinal);

    /// <summary>realpath(3) in managed code: the absolute path with every link resolved, or null if a part is missing or links loop.</summary>
    internal static string? Canonicalize(string absolutePath)
    {
        var pending = new Stack<string>();
        PushComponents(pending, absolutePath);
        var current = "/";
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            string? link;
            try
            {
                link = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            if (link is null)
            {
                if (!File.Exists(next) && !Directory.Exists(next))
                {
                    return null;
                }

                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return null;
            }

            if (link.StartsWith('/'))
            {
                current = "/";
            }

            PushComponents(pending, link);
        }

        return current;
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
