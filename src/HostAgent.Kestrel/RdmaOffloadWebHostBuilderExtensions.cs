using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RdmaOffload.HostAgent.Hosting;

namespace RdmaOffload.HostAgent.Kestrel;

/// <summary>Serves an ASP.NET Core application through the target adapter instead of sockets.</summary>
public static class RdmaOffloadWebHostBuilderExtensions
{
    /// <summary>
    /// Makes Kestrel's transport the adapter, with options from the <c>RdmaOffload</c> and <c>Fabric</c>
    /// configuration sections (validated at start), e.g. <c>--RdmaOffload:Adapter=127.0.0.1:18515</c>.
    /// </summary>
    public static IWebHostBuilder UseRdmaOffload(this IWebHostBuilder builder) => builder.UseRdmaOffload(static _ => { });

    /// <summary>As <see cref="UseRdmaOffload(IWebHostBuilder)"/>, then <paramref name="configure"/> adjusts the options.</summary>
    public static IWebHostBuilder UseRdmaOffload(this IWebHostBuilder builder, Action<RdmaOffloadHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.ConfigureServices((context, services) =>
        {
            services.AddRdmaOffloadCore(context.Configuration, configure);

            // Registered after the socket transport, so Kestrel binds IP endpoints with this one.
            services.AddSingleton<RdmaOffloadTransportFactory>(provider => new RdmaOffloadTransportFactory(
                provider.GetRequiredService<RdmaOffloadFabric>(),
                provider.GetRequiredService<IOptions<RdmaOffloadHostOptions>>(),
                provider.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IConnectionListenerFactory>(provider => provider.GetRequiredService<RdmaOffloadTransportFactory>());
        });
    }
}
