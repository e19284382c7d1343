using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RdmaOffload.HostAgent;
using RdmaOffload.HostAgent.Kestrel;
using RdmaOffload.Samples.AspNetCoreApp;

namespace RdmaOffload.Kestrel.Tests;

/// <summary>
/// The real sample app on Kestrel with the RdmaOffload transport, linked to a real adapter: Kestrel binds
/// 127.0.0.1:5080 (no socket is opened) and the link offers it to clients as the adapter's port 80.
/// </summary>
internal sealed class SampleAppUnderTest : IAsyncDisposable
{
    private readonly string _secretFile;

    private SampleAppUnderTest(AdapterUnderTest adapter, WebApplication app, string secretFile, AcceleratedListener link)
    {
        Adapter = adapter;
        App = app;
        _secretFile = secretFile;
        Link = link;
    }

    public AdapterUnderTest Adapter { get; }

    public WebApplication App { get; }

    /// <summary>The host's current link to the adapter.</summary>
    public AcceleratedListener Link { get; }

    public static async Task<SampleAppUnderTest> StartAsync(Action<WebApplication>? configureApp = null)
    {
        var adapter = await AdapterUnderTest.StartAsync();
        var secretFile = AdapterUnderTest.WriteSecretFile();
        string[] args =
        [
            "--urls=http://127.0.0.1:5080",
            $"--RdmaOffload:Adapter={adapter.LinkEndPoint}",
            $"--RdmaOffload:SharedSecretFile={secretFile}",
            "--RdmaOffload:HostIdentity=sample-app",
            $"--RdmaOffload:ServicePort={AdapterUnderTest.ServicePort}",
            "--Fabric:Provider=managed-roce",
            $"--Fabric:Address={AdapterUnderTest.FreshAddress()}",
            "--Fabric:RocePort=0",
        ];
        var app = SampleApp.Build(args, builder => builder.Logging.ClearProviders().AddProvider(new ProgressLoggerProvider("app")), configureApp);
        await app.StartAsync();
        var supervisor = app.Services.GetRequiredService<RdmaOffloadTransportFactory>().FindLink(AdapterUnderTest.ServicePort)
            ?? throw new InvalidOperationException("Kestrel bound no endpoint through the RdmaOffload transport.");
        var link = await supervisor.Linked.WaitAsync(AdapterUnderTest.Timeout);
        return new SampleAppUnderTest(adapter, app, secretFile, link);
    }

    public Task<NetStackHttpClient> ConnectAsync() => NetStackHttpClient.ConnectAsync(Adapter.Link, AdapterUnderTest.ServicePort);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Adapter.DisposeAsync();
        File.Delete(_secretFile);
    }
}
