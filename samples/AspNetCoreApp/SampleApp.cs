using Microsoft.AspNetCore.Builder;
using RdmaOffload.HostAgent.Kestrel;

namespace RdmaOffload.Samples.AspNetCoreApp;

/// <summary>
/// The sample application: a few endpoints on whichever transport the command line picks. Nothing in the endpoints
/// knows about the adapter — <c>UseRdmaOffload</c> is the only difference from a plain ASP.NET Core app.
/// </summary>
public static class SampleApp
{
    /// <summary>
    /// Builds the app. <c>--transport=sockets</c> serves on Kestrel's sockets (<c>--urls http://…</c>); otherwise
    /// it serves through the adapter configured with <c>--RdmaOffload:…</c> and <c>--Fabric:…</c>.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configureBuilder = null, Action<WebApplication>? configureApp = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var transport = builder.Configuration["transport"] ?? "rdma";
        if (!string.Equals(transport, "sockets", StringComparison.OrdinalIgnoreCase))
        {
            builder.WebHost.UseRdmaOffload();
        }

        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        SampleEndpoints.Map(app);
        configureApp?.Invoke(app);
        return app;
    }
}
