namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

/// <summary>Where the built executables the tests start live (the same Release build the suite came from).</summary>
internal static class Executables
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Adapter => Built("src/TargetAdapter", "RdmaOffload.TargetAdapter");

    public static string AspNetCoreApp => Built("samples/AspNetCoreApp", "RdmaOffload.Samples.AspNetCoreApp");

    public static string StaticFileServer => Built("samples/StaticFileServer", "RdmaOffload.Samples.StaticFileServer");

    /// <summary>The built dll of a project, failing the test with the build command when it is missing.</summary>
    public static string Built(string projectDirectory, string assemblyName)
    {
        var path = Path.Combine(RepositoryRoot, projectDirectory, "bin", "Release", "net10.0", assemblyName + ".dll");
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is not built: run 'dotnet build -c Release RdmaOffload.sln'.");
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RdmaOffload.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No RdmaOffload.sln above {AppContext.BaseDirectory}.");
    }
}
