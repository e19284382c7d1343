using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RdmaOffload.Accelerated.Tests;
using RdmaOffload.HostAgent.Hosting;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.Kestrel.Tests;

/// <summary><c>AddRdmaOffloadHost</c>: options from the command line, validation at start, re-linking after an adapter restart.</summary>
[TestFixture]
[NonParallelizable]
public sealed class HostedLinkTests
{
    private static IHost BuildHost(params string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.ClearProviders().AddProvider(new ProgressLoggerProvider("host"));
        builder.Services.AddRdmaOffloadHost(builder.Configuration);
        return builder.Build();
    }

    private static string[] Args(AdapterUnderTest adapter, string secretFile) =>
    [
        $"--RdmaOffload:Adapter={adapter.LinkEndPoint}",
        $"--RdmaOffload:SharedSecretFile={secretFile}",
        "--RdmaOffload:HostIdentity=web-1",
        $"--RdmaOffload:ServicePort={AdapterUnderTest.ServicePort}",
        "--RdmaOffload:ReconnectInitialDelay=00:00:00.050",
        "--RdmaOffload:ReconnectMaxDelay=00:00:00.500",
        "--Fabric:Provider=managed-roce",
        $"--Fabric:Address={AdapterUnderTest.FreshAddress()}",
        "--Fabric:RocePort=0",
    ];

    [Test]
    public void Bad_settings_stop_the_host_at_start_naming_each_key()
    {
        using var host = BuildHost("--RdmaOffload:Adapter=not-an-endpoint", "--RdmaOffload:SharedSecretFile=/nonexistent/secret",
            "--RdmaOffload:MaxConnections=0", "--Fabric:Provider=carrier-pigeon");

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("RdmaOffload:Adapter 'not-an-endpoint'"));
        Assert.That(error.Message, Does.Contain("RdmaOffload:SharedSecretFile: Shared secret file '/nonexistent/secret' does not exist."));
        Assert.That(error.Message, Does.Contain("RdmaOffload:MaxConnections 0"));
        Assert.That(error.Message, Does.Contain("Fabric:Provider 'carrier-pigeon' is unknown"));
        Assert.That(error.Message, Does.Contain("Fabric:Address ''"));
    }

    [Test]
    public async Task A_secret_file_readable_by_others_is_refused_at_start()
    {
        await using var adapter = await AdapterUnderTest.StartAsync();
        var secretFile = AdapterUnderTest.WriteSecretFile();
        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var host = BuildHost(Args(adapter, secretFile));

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain("chmod 600"));
        File.Delete(secretFile);
    }

    [Test]
    public async Task The_host_serves_connections_and_links_again_after_the_adapter_restarts()
    {
        var adapter = await AdapterUnderTest.StartAsync();
        var endPoint = adapter.LinkEndPoint;
        var secretFile = AdapterUnderTest.WriteSecretFile();
        using var host = BuildHost(Args(adapter, secretFile));
        await host.StartAsync();
        var source = host.Services.GetRequiredService<IAcceleratedConnectionSource>();
        var supervisor = host.Services.GetRequiredService<AcceleratedHostService>().Supervisor;
        try
        {
            await source.WhenLinkedAsync().WaitAsync(AdapterUnderTest.Timeout);
            await ServeOneAsync(adapter, source, "before");

            await adapter.DisposeAsync();
            await Task.Delay(300); // several failed attempts with backoff while the adapter is down
            adapter = await AdapterUnderTest.StartAsync(endPoint);

            var deadline = DateTime.UtcNow + AdapterUnderTest.Timeout;
            while (!(supervisor.Attempts >= 3 && supervisor.Linked.IsCompletedSuccessfully) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.That(supervisor.Linked.IsCompletedSuccessfully, Is.True, "linked again");
            Assert.That(supervisor.Attempts, Is.GreaterThanOrEqualTo(3), "the first link, at least one failed attempt, the new link");
            await ServeOneAsync(adapter, source, "after");
        }
        finally
        {
            await host.StopAsync();
            await adapter.DisposeAsync();
            File.Delete(secretFile);
        }
    }

    private static async Task ServeOneAsync(AdapterUnderTest adapter, IAcceleratedConnectionSource source, string word)
    {
        var client = new TestClient(System.Text.Encoding.ASCII.GetBytes(word));
        await adapter.Link.ConnectAsync(AdapterUnderTest.ServicePort, client);
        var connection = await source.AcceptAsync().AsTask().WaitAsync(AdapterUnderTest.Timeout);
        var request = new MemoryStream();
        while (true)
        {
            var read = await connection.Input.ReadAsync().AsTask().WaitAsync(AdapterUnderTest.Timeout);
            foreach (var segment in read.Buffer)
            {
                request.Write(segment.Span);
            }

            connection.Input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await connection.Output.WriteAsync(request.ToArray().Reverse().ToArray());
        await connection.DisposeAsync();
        Assert.That(await client.Closed.WaitAsync(AdapterUnderTest.Timeout), Is.EqualTo(TcpCloseReason.Graceful));
        Assert.That(client.Received, Is.EqualTo(System.Text.Encoding.ASCII.GetBytes(word).Reverse().ToArray()));
    }
}
