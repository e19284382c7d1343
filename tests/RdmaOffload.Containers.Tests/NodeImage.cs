using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Images;

namespace RdmaOffload.Containers.Tests;

/// <summary>
/// The image the adapter and host containers run: the base image plus this machine's .NET runtime (no Microsoft
/// package feed is reachable) and the Release outputs of the adapter and the static file host. Its tag is a hash
/// of everything copied in, so an unchanged build reuses the image and a rebuilt one gets a new image.
/// </summary>
internal static class NodeImage
{
    private const string Repository = "localhost/rdmaoffload-node";
    private const string AdapterDll = "RdmaOffload.TargetAdapter.dll";
    private const string HostDll = "RdmaOffload.Samples.StaticFileServer.dll";

    /// <summary>The image name, built now unless an image of the same content exists.</summary>
    public static async Task<string> EnsureAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var repo = FindRepositoryRoot();
        var adapter = ReleaseOutput(repo, "src/TargetAdapter", AdapterDll);
        var host = ReleaseOutput(repo, "samples/StaticFileServer", HostDll);
        var dotnetRoot = DotnetRoot();
        var images = Path.Combine(AppContext.BaseDirectory, "Images");
        var frameworks = RequiredFrameworks(Path.Combine(adapter, AdapterDll), Path.Combine(host, HostDll));

        // What goes into the build context: (path in context, file on this machine).
        var files = new List<(string Target, string Source)>();
        files.Add(("dotnet/dotnet", Path.Combine(dotnetRoot, "dotnet")));
        files.AddRange(Tree(Path.Combine(dotnetRoot, "host", "fxr"), "dotnet/host/fxr"));
        foreach (var framework in frameworks)
        {
            files.AddRange(Tree(framework, Path.Combine("dotnet", Path.GetRelativePath(dotnetRoot, framework))));
        }

        files.AddRange(Tree(adapter, "adapter"));
        files.AddRange(Tree(host, "host"));
        files.AddRange(Tree(images, "."));
        files.Sort((a, b) => string.CompareOrdinal(a.Target, b.Target));

        var name = $"{Repository}:{ContentHash(files)}";
        if (await PodmanEngine.ImageExistsAsync(name, cancellationToken))
        {
            log.WriteLine($"node image {name} exists (cached)");
            return name;
        }

        var stopwatch = Stopwatch.StartNew();
        var context = Directory.CreateTempSubdirectory("rdo-node-image.");
        try
        {
            foreach (var (target, source) in files)
            {
                var destination = Path.Combine(context.FullName, target);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(source, destination);
                File.SetUnixFileMode(destination, File.GetUnixFileMode(source));
            }

            var image = new ImageFromDockerfileBuilder()
                .WithName(name)
                .WithContextDirectory(context.FullName)
                .WithDockerfileDirectory(context.FullName)
                .WithDockerfile("Dockerfile")
                .WithImageBuildPolicy(PullPolicy.Missing)
                .WithDeleteIfExists(false)
                .WithCleanUp(false)
                .Build();
            await image.CreateAsync(cancellationToken);
        }
        finally
        {
            context.Delete(recursive: true);
        }

        if (!await PodmanEngine.ImageExistsAsync(name, cancellationToken))
        {
            Assert.Fail($"Building {name} reported success but podman has no such image.");
        }

        log.WriteLine($"node image {name} built in {stopwatch.Elapsed.TotalSeconds:F1} s");

        // Older builds' images would pile up (about 220 MB each); only the current one is ever used.
        foreach (var stale in (await PodmanEngine.ImageTagsAsync(Repository, cancellationToken)).Where(tag => tag != name))
        {
            await PodmanEngine.RemoveImageAsync(stale, cancellationToken);
            log.WriteLine($"removed the stale node image {stale}");
        }

        return name;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RdmaOffload.sln")))
            {
                return directory.FullName;
            }
        }

        Assert.Fail($"No RdmaOffload.sln above {AppContext.BaseDirectory}: the test must run from its build output in the repository.");
        return "";
    }

    private static string ReleaseOutput(string repo, string project, string dll)
    {
        var output = Path.Combine(repo, project, "bin", "Release", "net10.0");
        if (!File.Exists(Path.Combine(output, dll)))
        {
            Assert.Fail($"{Path.Combine(output, dll)} is not built: dotnet build -c Release tests/RdmaOffload.Containers.Tests builds it.");
        }

        return output;
    }

    /// <summary>The installation this test runs on: its muxer, hostfxr and shared frameworks are what the image gets.</summary>
    private static string DotnetRoot()
    {
        // .../dotnet/shared/Microsoft.NETCore.App/<version>/
        var runtime = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
        var root = runtime.Parent?.Parent?.Parent?.FullName;
        if (root is null || !File.Exists(Path.Combine(root, "dotnet")) || !Directory.Exists(Path.Combine(root, "host", "fxr")))
        {
            Assert.Fail($"Cannot find the .NET installation (muxer and host/fxr) above {runtime.FullName}.");
        }

        return root!;
    }

    /// <summary>Each shared framework the programs' runtimeconfig.json names, in the version this process runs on.</summary>
    private static List<string> RequiredFrameworks(params string[] programs)
    {
        var version = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory()).Name;
        var shared = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory()).Parent!.Parent!.FullName;
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var program in programs)
        {
            using var config = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(program, ".runtimeconfig.json")));
            var options = config.RootElement.GetProperty("runtimeOptions");
            if (options.TryGetProperty("framework", out var framework))
            {
                names.Add(framework.GetProperty("name").GetString()!);
            }

            if (options.TryGetProperty("frameworks", out var list))
            {
                foreach (var item in list.EnumerateArray())
                {
                    names.Add(item.GetProperty("name").GetString()!);
                }
            }
        }

        var result = new List<string>();
        foreach (var name in names)
        {
            var directory = Path.Combine(shared, name, version);
            if (!Directory.Exists(directory))
            {
                Assert.Fail($"The programs need the shared framework {name} {version}, which is not installed at {directory}.");
            }

            result.Add(directory);
        }

        return result;
    }

    private static IEnumerable<(string Target, string Source)> Tree(string directory, string target) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(file => (Path.Combine(target, Path.GetRelativePath(directory, file)), file));

    private static string ContentHash(List<(string Target, string Source)> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (target, source) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{target}\0{(int)File.GetUnixFileMode(source)}\0"));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(source)));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
