using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>The Generic Host set-up: configuration bound and validated at start, then <see cref="StaticFileService"/>.</summary>
internal static class StaticFileServerApp
{
    public const int ConfigurationError = 2;
    public const int StartError = 1;

    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddOptions<StaticFileServerOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StaticFileServerOptions>, StaticFileServerOptionsValidator>();
        builder.Services.AddSingleton<StaticFileService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StaticFileService>());
        return builder.Build();
    }

    /// <summary>Runs until shut down; a configuration problem prints every failure and exits with <see cref="ConfigurationError"/>.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        using var host = Build(args);
        try
        {
            // Validate before the host starts, so a bad configuration is a clear message rather than a logged stack trace.
            _ = host.Services.GetRequiredService<IOptions<StaticFileServerOptions>>().Value;
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("StaticFileServer: invalid configuration:").ConfigureAwait(false);
            foreach (var failure in e.Failures)
            {
                await Console.Error.WriteLineAsync($"  {failure}").ConfigureAwait(false);
            }

            return ConfigurationError;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ArgumentException or UnauthorizedAccessException
            or InvalidDataException or RdmaOffload.Verbs.RdmaException)
        {
            await Console.Error.WriteLineAsync($"StaticFileServer: could not start: {e.Message}").ConfigureAwait(false);
            return StartError;
        }

        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
