using System.Net.Sockets;
using System.Text;
using RdmaOffload.EndToEnd.Tests.Infrastructure;
using RdmaOffload.EndToEnd.Tests.Transfers;
using RdmaOffload.Testing;

namespace RdmaOffload.EndToEnd.Tests;

/// <summary>The adapter as an operator runs it: configuration errors, a first transfer each way, the admin view.</summary>
[NonParallelizable]
public sealed class AdapterServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_bad_configuration_stops_the_adapter_at_start_naming_every_problem()
    {
        await using var adapter = ServiceProcess.Start("adapter", Executables.Adapter, [
            "--Adapter:ServicePorts=80,http",
            "--Adapter:Admission=first-come",
            "--Tap:Address=10.77.0.1",
            "--Fabric:Provider=tcp",
            "--Admin:Socket=",
        ]);
        var exit = await WaitExitAsync(adapter);
        var output = string.Join("\n", adapter.Lines);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("configuration error")
            .And.Contain("Adapter:SharedSecretFile").And.Contain("Adapter:ServicePorts").And.Contain("Adapter:Admission")
            .And.Contain("Tap:Address").And.Contain("Fabric:Provider").And.Contain("Fabric:Address"));
    }

    [Test]
    public async Task A_secret_file_readable_by_others_is_refused()
    {
        var secret = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(secret, "a secret that is long enough....");
            File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            using var clients = new NetworkNamespace("rdoc");
            await using var adapter = ServiceProcess.Start("adapter", Executables.Adapter, [
                $"--Adapter:SharedSecretFile={secret}", "--Adapter:ServicePorts=80", $"--Tap:Namespace={clients.Name}",
                "--Tap:Address=10.77.251.1/24", "--Fabric:Address=127.3.251.1", "--Admin:Socket=",
            ]);
            var exit = await WaitExitAsync(adapter);
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(string.Join("\n", adapter.Lines), Does.Contain("chmod 600"));
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Test]
    public async Task A_download_and_an_upload_go_through_the_adapter_service()
    {
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var listener = await testbed.ConnectHostAsync("host-1");
        var host = TransferHost.Serve(listener);
        using var cts = new CancellationTokenSource(Timeout);
        Assert.That(await TransferClient.DownloadAsync(testbed.Clients, testbed.Service(AcceleratedTestbed.TransferPort), 3_000_000, 7, cts.Token), Is.True);
        Assert.That(await TransferClient.UploadAsync(testbed.Clients, testbed.Service(AcceleratedTestbed.TransferPort), 3_000_000, 8, cts.Token), Is.True);
        // The request lines count as client bytes: "D 3000000 7\n" is 12, "U 3000000\n" 10.
        await testbed.Adapter.WaitForLineAsync("finished: 12 bytes in, 3000000 bytes out", Timeout);
        await testbed.Adapter.WaitForLineAsync("finished: 3000010 bytes in, 65 bytes out", Timeout);
        Assert.That(testbed.Adapter.CountLines(@"Connection .* finished: \d+ bytes in, \d+ bytes out"), Is.EqualTo(2), "one log line per finished connection");
        await Eventually.HoldsAsync(() => host.Served == 2, Timeout, () => $"the host served {host.Served} of 2 connections");
        Assert.That(host.Aborted, Is.Zero);
    }

    [Test]
    public async Task Admin_lists_the_live_connection_with_its_host_link_and_wq()
    {
        await using var testbed = await AcceleratedTestbed.StartAsync();
        var listener = await testbed.ConnectHostAsync("host-admin");
        _ = TransferHost.Serve(listener);
        // A download the client does not read: the connection stays open, its window closed.
        using var socket = await testbed.Clients.ConnectAsync(testbed.Service(AcceleratedTestbed.TransferPort));
        await socket.SendAsync(Encoding.ASCII.GetBytes("D 100000000 1\n"), SocketFlags.None);
        var local = (System.Net.IPEndPoint)socket.LocalEndPoint!;

        var connections = await PollAsync(() => testbed.AdminAsync("connections"), text => text.Contains("1 connection(s)", StringComparison.Ordinal));
        Assert.That(connections, Does.Contain($"{local.Address}:{local.Port}").And.Contain("host-admin").And.Contain($"{testbed.ServiceAddress}:{AcceleratedTestbed.TransferPort}"));
        var hosts = await testbed.AdminAsync("hosts");
        Assert.That(hosts, Does.Contain("host-admin").And.Contain("1 host link(s)"));
        var stats = await testbed.AdminAsync("stats");
        Assert.That(stats, Does.Contain("connections 1").And.Contain("hosts 1"));

        socket.Close();
        await PollAsync(() => testbed.AdminAsync("connections"), text => text.Contains("0 connection(s)", StringComparison.Ordinal));
    }

    private static async Task<int> WaitExitAsync(ServiceProcess process)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.That(process.HasExited, Is.True, "the adapter should have exited");
        return process.ExitCode;
    }

    private static async Task<string> PollAsync(Func<Task<string>> read, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + Timeout;
        string text;
        do
        {
            text = await read();
            if (done(text))
            {
                return text;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"admin never showed the expected state; last answer:\n{text}");
        return text;
    }
}
