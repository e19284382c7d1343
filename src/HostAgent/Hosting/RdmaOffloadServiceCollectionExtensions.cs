using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RdmaOffload.HostAgent.Hosting;

/// <summary>Registers the host agent in a generic host.</summary>
public static class RdmaOffloadServiceCollectionExtensions
{
    /// <summary>
    /// Links to the adapter configured in <paramref name="configuration"/>'s <c>RdmaOffload</c> and <c>Fabric</c>
    /// sections while the host runs; client connections come from <see cref="IAcceleratedConnectionSource"/>.
    /// Options are validated when the host starts.
    /// </summary>
    public static IServiceCollection AddRdmaOffloadHost(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddRdmaOffloadCore(configuration, null).AddHostService();
    }

    /// <summary>As <see cref="AddRdmaOffloadHost(IServiceCollection, IConfiguration)"/>, with options set in code.</summary>
    public static IServiceCollection AddRdmaOffloadHost(this IServiceCollection services, Action<RdmaOffloadHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddRdmaOffloadCore(null, configure).AddHostService();
    }

    /// <summary>Options (bound, then configured, validated at start) and the fabric; shared with the Kestrel transport.</summary>
    internal static IServiceCollection AddRdmaOffloadCore(this IServiceCollection services, IConfiguration? configuration, Action<RdmaOffloadHostOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<RdmaOffloadHostOptions>();
        if (configuration is not null)
        {
            builder.Bind(configuration.GetSection(RdmaOffloadHostOptions.SectionName))
                .Configure(options => configuration.GetSection(RdmaOffloadHostOptions.FabricSectionName).Bind(options.Fabric));
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RdmaOffloadHostOptions>, RdmaOffloadHostOptionsValidator>());
        services.TryAddSingleton<RdmaOffloadFabric>();
        return services;
    }

    private static IServiceCollection AddHostService(this IServiceCollection services)
    {
        services.TryAddSingleton<AcceleratedHostService>();
        services.TryAddSingleton<IAcceleratedConnectionSource>(provider => provider.GetRequiredService<AcceleratedHostService>());
        services.AddHostedService(provider => provider.GetRequiredService<AcceleratedHostService>());
        return services;
    }
}
