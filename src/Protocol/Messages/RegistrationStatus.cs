namespace RdmaOffload.Protocol.Messages;

/// <summary>Outcome of a service registration.</summary>
public enum RegistrationStatus : byte
{
    /// <summary>The adapter now steers connections for the port to this host (among others).</summary>
    Registered = 1,

    /// <summary>The adapter does not serve that port (policy or no listener slot).</summary>
    PortNotServed = 2,

    /// <summary>The host already registered the port.</summary>
    AlreadyRegistered = 3,

    /// <summary>The host registered as many services as the adapter allows.</summary>
    LimitReached = 4,
}
