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
    /// <remarks>
    /// The walk starts at the root, which was resolved once at start, and costs one lstat per component (a readlink
    /// more per link) — it used to re-resolve the root's own components and stat every one again, a third of the
    /// host's CPU per 64 B response.
    /// </remarks>
    public string? Resolve(string relativePath)
    {
        var found = Walk(Root, relativePath);
        if (found is not { } entry || !IsUnderRoot(entry.Path))
        {
            return null;
        }

        if (entry.IsDirectory)
        {
            found = Walk(entry.Path, IndexFile);
            if (found is not { } index || index.IsDirectory || !IsUnderRoot(index.Path))
            {
                return null;
            }

            entry = index;
        }

        return entry.Path;
    }

    private bool IsUnderRoot(string real) => real == Root || real.StartsWith(_rootPrefix, StringComparison.Ordinal);

    /// <summary>realpath(3) in managed code: the absolute path with every link resolved, or null if a part is missing or links loop.</summary>
    internal static string? Canonicalize(string absolutePath) => Walk("/", absolutePath)?.Path;

    /// <summary>
    /// Resolves <paramref name="path"/> (relative to <paramref name="start"/>, an existing real directory, unless
    /// absolute) component by component like realpath(3); null if a part is missing, not a directory, or links loop.
    /// </summary>
    private static ResolvedEntry? Walk(string start, string path)
    {
        var pending = new Stack<string>();
        PushComponents(pending, path);
        var current = path.StartsWith('/') ? "/" : start;
        var isDirectory = true;
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
                isDirectory = true;
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            var info = new FileInfo(next);
            // lstat: -1 when missing (or a non-directory on the way); a link shows as a reparse point.
            var attributes = info.Attributes;
            if ((int)attributes == -1)
            {
                return null;
            }

            if ((attributes & FileAttributes.ReparsePoint) == 0)
            {
                current = next;
                isDirectory = (attributes & FileAttributes.Directory) != 0;
                continue;
            }

            string? link;
            try
            {
                link = info.LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            if (link is null || ++hops > MaxLinkHops)
            {
                return null;
            }

            if (link.StartsWith('/'))
            {
                current = "/";
            }

            PushComponents(pending, link);
        }

        return new ResolvedEntry(current, isDirectory);
    }

    private readonly record struct ResolvedEntry(string Path, bool IsDirectory);

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
