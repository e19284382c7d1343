using RdmaOffload.Verbs.IbVerbs;
using RdmaOffload.Verbs.ManagedRoce;

namespace RdmaOffload.Verbs.Providers;

/// <summary>Creates the provider that <see cref="FabricProviderOptions"/> names.</summary>
public static class FabricProviderFactory
{
    /// <summary>Creates the provider; throws <see cref="ArgumentException"/> listing every problem with the options.</summary>
    public static IFabricProvider Create(FabricProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        return options.Provider == FabricProviderOptions.IbVerbs
            ? new IbVerbsProvider()
            : new ManagedRoceProvider(new ManagedRoceOptions
            {
                Devices =
                [
                    new ManagedRoceDeviceOptions
                    {
                        Name = options.Device ?? "mroce0",
                        BindAddress = options.ParsedAddress,
                        Port = options.RocePort,
                    },
                ],
            });
    }
}
