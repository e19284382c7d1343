using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using RdmaOffload.Testing;

namespace RdmaOffload.Containers.Tests;

/// <summary>
/// Podman serving the Docker API on its rootful socket, and the environment Testcontainers needs on these
/// machines: no Docker engine, no registry, and a /.dockerenv that makes Testcontainers think it runs in a container.
/// Every missing prerequisite fails the test with what to run (never a skip).
/// </summary>
internal static class PodmanEngine
{
    public const string Socket = "/run/podman/podman.sock";
    public const string BaseImage = "localhost/rdmaoffload-base:1";
    private const string Setup = "Run scripts/setup-podman (as root) once on this machine.";

    /// <summary>Sets the Testcontainers environment; must run before any Testcontainers type is touched.</summary>
    public static void ConfigureTestcontainers()
    {
        Environment.SetEnvironmentVariable("DOCKER_HOST", $"unix://{Socket}");
        // /.dockerenv exists here: without this Testcontainers looks for the engine's gateway instead of the host.
        Environment.SetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
        // Ryuk's image cannot be pulled; the tests dispose what they create.
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
    }

    /// <summary>Starts the API service when it does not answer, then checks the base image is there.</summary>
    public static async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail($"The container tests need root (rootful podman, NET_ADMIN, /dev/net/tun). {Setup}");
        }

        if (Shell.Which("podman") is null)
        {
            Assert.Fail($"podman is not installed. {Setup}");
        }

        if (!await AnswersAsync(cancellationToken))
        {
            await StartServiceAsync(cancellationToken);
        }

        using var client = CreateApiClient();
        using var response = await client.GetAsync(new Uri($"http://podman/images/{BaseImage}/json"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            Assert.Fail($"The base image {BaseImage} does not exist (it cannot be pulled; it is built locally). {Setup}");
        }

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"podman's API answered {response.StatusCode} for {BaseImage}");
    }

    /// <summary>An HTTP client speaking to the Docker API over the podman socket.</summary>
    public static HttpClient CreateApiClient() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, token) =>
        {
            var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        using var client = CreateApiClient();
        using var response = await client.GetAsync(new Uri($"http://podman/images/{image}/json"), cancellationToken);
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>The tags of the images in <paramref name="repository"/> (e.g. localhost/name).</summary>
    public static async Task<List<string>> ImageTagsAsync(string repository, CancellationToken cancellationToken)
    {
        using var client = CreateApiClient();
        var filters = Uri.EscapeDataString($"{{\"reference\":[\"{repository}\"]}}");
        var images = await client.GetFromJsonAsync<List<ImageSummary>>(new Uri($"http://podman/images/json?filters={filters}"), cancellationToken) ?? [];
        return [.. images.SelectMany(image => image.RepoTags ?? []).Where(tag => tag.StartsWith(repository + ":", StringComparison.Ordinal))];
    }

    /// <summary>Removes an image tag; one still used by a container stays (409) and is tried again next time.</summary>
    public static async Task RemoveImageAsync(string tag, CancellationToken cancellationToken)
    {
        using var client = CreateApiClient();
        using var response = await client.DeleteAsync(new Uri($"http://podman/images/{tag}"), cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Conflict))
        {
            throw new InvalidOperationException($"podman could not remove image {tag}: {response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// Removes a container (killing it if needed) or network by name; Testcontainers only stops containers when
    /// its resource reaper is off, and a test must leave nothing behind. A missing one is not an error.
    /// </summary>
    public static async Task RemoveAsync(string kind, string name)
    {
        using var client = CreateApiClient();
        var query = kind == "containers" ? "?force=true&v=true" : "";
        using var response = await client.DeleteAsync(new Uri($"http://podman/{kind}/{name}{query}"));
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"podman could not remove {kind} {name}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Socket))
        {
            return false;
        }

        try
        {
            using var client = CreateApiClient();
            client.Timeout = TimeSpan.FromSeconds(5);
            return (await client.GetAsync(new Uri("http://podman/_ping"), cancellationToken)).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task StartServiceAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        File.Delete(Socket);
        // Detached (own session) so that it outlives this test run like a system service would, and in / so that
        // removing this checkout cannot leave it in a deleted directory (its container starts then fail).
        var started = await Shell.RunAsync("setsid",
            ["-f", "sh", "-c", $"cd / && exec podman system service --time=0 unix://{Socket} >>/var/log/podman-service.log 2>&1 </dev/null"],
            TimeSpan.FromSeconds(10));
        started.EnsureSuccess("starting podman system service");
        var deadline = Stopwatch.StartNew();
        while (!await AnswersAsync(cancellationToken))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                var log = File.Exists("/var/log/podman-service.log") ? File.ReadAllText("/var/log/podman-service.log") : "";
                Assert.Fail($"podman system service did not answer on {Socket} within 15 s. {Setup} Its log: {log[Math.Max(0, log.Length - 2000)..]}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private sealed record ImageSummary(List<string>? RepoTags);
}
