namespace RdmaOffload.Protocol.Wire;

/// <summary>Protocol versions this build speaks, and the frozen base version.</summary>
public static class ProtocolVersions
{
    /// <summary>
    /// The version every hello-exchange frame (<see cref="MessageType.Hello"/>, <see cref="MessageType.Challenge"/>,
    /// <see cref="MessageType.HelloRefused"/>) is encoded with, whatever versions the peers speak. The frame header and
    /// those three bodies are frozen so that any two builds can at least negotiate or refuse.
    /// </summary>
    public const byte Base = 1;

    /// <summary>Lowest version this build speaks.</summary>
    public const byte MinSupported = 1;

    /// <summary>Highest version this build speaks.</summary>
    public const byte MaxSupported = 1;

    /// <summary>The range this build speaks.</summary>
    public static VersionRange Supported => new(MinSupported, MaxSupported);

    /// <summary>Whether this build can decode frames of <paramref name="version"/>.</summary>
    public static bool IsSupported(byte version) => version is >= MinSupported and <= MaxSupported;
}
