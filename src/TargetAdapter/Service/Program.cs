using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RdmaOffload.Verbs.Providers;

namespace RdmaOffload.TargetAdapter.Service;

/// <summary>
/// <c>RdmaOffload.TargetAdapter [--Section:Key=Value...] [--config FILE.json]</c> runs the adapter;
/// <c>RdmaOffload.TargetAdapter admin COMMAND [--socket PATH]</c> asks a running one (see <see cref="AdminCommands"/>).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "admin")
        {
            return await AdminClientAsync(args[1..]).ConfigureAwait(false);
        }

        var builder = Host.CreateApplicationBuilder(args);
        if (builder.Configuration["config"] is { Length: > 0 } file)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
            builder.Configuration.AddCommandLine(args); // the command line still wins over the file
        }

        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.AddTargetAdapterService(builder.Configuration);
        using var host = builder.Build();
        var problems = ConfigurationProblems(host.Services);
        if (problems.Count > 0)
        {
            await Console.Error.WriteLineAsync("configuration error:\n  " + string.Join("\n  ", problems)).ConfigureAwait(false);
            return 2;
        }

        try
        {
            await host.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or ArgumentException or Verbs.RdmaException)
        {
            await Console.Error.WriteLineAsync($"adapter failed to start: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Registers the adapter service and its validated options.</summary>
    internal static IServiceCollection AddTargetAdapterService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdapterServiceOptions>().Bind(configuration.GetSection(AdapterServiceOptions.Section)).ValidateOnStart();
        services.AddOptions<TapPortOptions>().Bind(configuration.GetSection(TapPortOptions.Section)).ValidateOnStart();
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.Section));
        services.AddOptions<FabricProviderOptions>().Bind(configuration.GetSection("Fabric")).ValidateOnStart();
        services.AddSingleton<AdapterOptionsValidation>();
        services.AddSingleton<IValidateOptions<AdapterServiceOptions>>(sp => sp.GetRequiredService<AdapterOptionsValidation>());
        services.AddSingleton<IValidateOptions<TapPortOptions>>(sp => sp.GetRequiredService<AdapterOptionsValidation>());
        services.AddSingleton<IValidateOptions<FabricProviderOptions>>(sp => sp.GetRequiredService<AdapterOptionsValidation>());
        services.AddHostedService<TargetAdapterService>();
        return services;
    }

    /// <summary>Every validation failure of every section, so an operator fixes them all in one go.</summary>
    private static List<string> ConfigurationProblems(IServiceProvider services)
    {
        var problems = new List<string>();
        Collect<AdapterServiceOptions>(services, problems);
        Collect<TapPortOptions>(services, problems);
        Collect<FabricProviderOptions>(services, problems);
        return problems;
    }

    private static void Collect<T>(IServiceProvider services, List<string> problems)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures);
        }
    }

    private static async Task<int> AdminClientAsync(string[] args)
    {
        var socketPath = new AdminOptions().Socket;
        var command = "help";
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--socket" && i + 1 < args.Length)
            {
                socketPath = args[++i];
            }
            else
            {
                command = args[i];
            }
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), SocketFlags.None).ConfigureAwait(false);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            using var output = Console.OpenStandardOutput();
            await stream.CopyToAsync(output).ConfigureAwait(false);
            return 0;
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"cannot reach the adapter at {socketPath}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
