using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RdmaOffload.HostAgent.Hosting;

/// <summary>
/// The generic host's link to the adapter for <see cref="RdmaOffloadHostOptions.ServicePort"/>: starts linking
/// when the host starts (without waiting for the adapter to be up), keeps the link up across adapter restarts, and
/// hands client connections to the application through <see cref="IAcceleratedConnectionSource"/>.
/// </summary>
internal sealed class AcceleratedHostService(RdmaOffloadFabric fabric, IOptions<RdmaOffloadHostOptions> options, ILoggerFactory loggers)
    : IHostedService, IAcceleratedConnectionSource, IAsyncDisposable
{
    private AcceleratedLinkSupervisor? _supervisor;

    public AcceleratedLinkSupervisor Supervisor => _supervisor ?? throw new InvalidOperationException("The RdmaOffload host service has not started.");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.ServicePort == 0)
        {
            throw new OptionsValidationException(RdmaOffloadHostOptions.SectionName, typeof(RdmaOffloadHostOptions),
                ["RdmaOffload:ServicePort must be set: it is the TCP port clients reach this host on through the adapter."]);
        }

        _supervisor = new AcceleratedLinkSupervisor(fabric, settings, (ushort)settings.ServicePort, loggers.CreateLogger("RdmaOffload.HostAgent"));
        _supervisor.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_supervisor is not null)
        {
            await _supervisor.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask<AcceleratedConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
        await Supervisor.AcceptAsync(cancellationToken).ConfigureAwait(false);

    public Task WhenLinkedAsync(CancellationToken cancellationToken = default) => Supervisor.Linked.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
