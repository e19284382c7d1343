using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RdmaOffload.Samples.AspNetCoreApp;

namespace RdmaOffload.Kestrel.Tests;

/// <summary>The unmodified sample app served by Kestrel through the adapter, driven by HTTP clients on the client NetStack.</summary>
[TestFixture]
[NonParallelizable]
public sealed class SampleAppTests
{
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        SampleEndpoints.FillPattern(bytes, 0);
        return bytes;
    }

    [Test]
    public async Task The_page_is_served_with_the_clients_real_endpoints()
    {
        await using var sample = await SampleAppUnderTest.StartAsync(app =>
            app.MapGet("/whoami", (HttpContext context) => $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort} -> {context.Connection.LocalIpAddress}:{context.Connection.LocalPort}"));
        var client = await sample.ConnectAsync();

        var page = await client.GetAsync("/");
        Assert.That(page.Status, Is.EqualTo(200));
        Assert.That(page.Headers["Content-Type"], Does.StartWith("text/html"));
        Assert.That(page.Text, Does.Contain("<h1>Served through RdmaOffload</h1>"));

        var whoami = await client.GetAsync("/whoami");
        Assert.That(whoami.Text, Does.Match(@"^10\.99\.0\.1:\d+ -> 10\.99\.0\.2:80$"), "the client's address as the adapter saw it");
        Assert.That((await client.GetAsync("/health")).Text, Is.EqualTo("ok"));
    }

    [Test]
    public async Task A_megabyte_body_arrives_intact_and_is_read_from_registered_memory_without_a_copy()
    {
        await using var sample = await SampleAppUnderTest.StartAsync();
        var client = await sample.ConnectAsync();

        var response = await client.GetAsync("/bytes/1000000");

        Assert.That(response.Status, Is.EqualTo(200));
        Assert.That(response.Body, Has.Length.EqualTo(1_000_000));
        Assert.That(SHA256.HashData(response.Body), Is.EqualTo(SHA256.HashData(Pattern(1_000_000))));
        Assert.That(sample.Link.BytesSentInPlace, Is.GreaterThan(1_000_000), "body and headers sent in place");
        Assert.That(sample.Link.BytesSentByCopy, Is.Zero, "Kestrel wrote every response byte into registered memory");
    }

    [Test]
    public async Task The_sha256_of_a_4_MiB_request_body_is_right()
    {
        await using var sample = await SampleAppUnderTest.StartAsync();
        var client = await sample.ConnectAsync();
        var body = new byte[4 * 1024 * 1024];
        new Random(7).NextBytes(body);

        await client.SendRequestAsync("POST", "/sha256", body, "Content-Type: application/octet-stream\r\n");
        var response = await client.ReadResponseAsync();

        Assert.That(response.Status, Is.EqualTo(200));
        Assert.That(response.Text, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(body))));
    }

    [Test]
    public async Task Several_requests_share_one_kept_alive_connection()
    {
        await using var sample = await SampleAppUnderTest.StartAsync(app =>
            app.MapGet("/connection", (HttpContext context) => context.Connection.Id));
        var client = await sample.ConnectAsync();

        var first = (await client.GetAsync("/connection")).Text;
        Assert.That((await client.GetAsync("/health")).Text, Is.EqualTo("ok"));
        Assert.That((await client.GetAsync("/bytes/100000")).Body, Is.EqualTo(Pattern(100_000)));
        await client.SendRequestAsync("POST", "/sha256", "abc"u8.ToArray());
        Assert.That((await client.ReadResponseAsync()).Text, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData("abc"u8))));
        Assert.That((await client.GetAsync("/")).Status, Is.EqualTo(200));
        var last = (await client.GetAsync("/connection")).Text;

        Assert.That(last, Is.EqualTo(first), "one Kestrel connection served every request");
        Assert.That(await sample.Adapter.Processor.GetConnectionCountAsync(), Is.EqualTo(1));
        Assert.That(client.Closed.IsCompleted, Is.False);

        client.Finish();
        Assert.That(await client.Closed.WaitAsync(AdapterUnderTest.Timeout), Is.EqualTo(NetStack.Tcp.TcpCloseReason.Graceful));
    }

    [Test]
    public async Task A_client_reset_fires_the_requests_RequestAborted()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sample = await SampleAppUnderTest.StartAsync(app => app.MapGet("/hang", async (HttpContext context) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                aborted.TrySetResult();
            }
        }));
        var client = await sample.ConnectAsync();
        await client.SendRequestAsync("GET", "/hang");
        await started.Task.WaitAsync(AdapterUnderTest.Timeout);

        client.Abort();

        await aborted.Task.WaitAsync(AdapterUnderTest.Timeout);
        var deadline = DateTime.UtcNow + AdapterUnderTest.Timeout;
        while (await sample.Adapter.Processor.GetConnectionCountAsync() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(await sample.Adapter.Processor.GetConnectionCountAsync(), Is.Zero, "the adapter forgot the reset connection");
        Assert.That((await (await sample.ConnectAsync()).GetAsync("/health")).Text, Is.EqualTo("ok"), "the app serves on");
    }

    [Test]
    public async Task Many_concurrent_connections_all_get_their_own_answers()
    {
        await using var sample = await SampleAppUnderTest.StartAsync();
        const int count = 32;
        var clients = new List<NetStackHttpClient>();
        for (int i = 0; i < count; i++)
        {
            clients.Add(await sample.ConnectAsync());
        }

        var work = clients.Select(async (client, i) =>
        {
            var size = 20_000 + (i * 7919);
            var bytes = await client.GetAsync($"/bytes/{size}");
            var body = new byte[1000 + (i * 301)];
            new Random(i).NextBytes(body);
            await client.SendRequestAsync("POST", "/sha256", body);
            var hash = await client.ReadResponseAsync();
            return (i, size, bytes, body, hash);
        }).ToList();

        foreach (var (i, size, bytes, body, hash) in await Task.WhenAll(work).WaitAsync(AdapterUnderTest.Timeout))
        {
            Assert.That(bytes.Body, Is.EqualTo(Pattern(size)), $"client {i}'s body");
            Assert.That(hash.Text, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(body))), $"client {i}'s hash");
        }

        Assert.That(await sample.Adapter.Processor.GetConnectionCountAsync(), Is.EqualTo(count));
    }
}
