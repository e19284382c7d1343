namespace RdmaOffload.Protocol.Auth;

/// <summary>Whose proof a transcript MAC is. Distinct roles keep one side's proof from being replayed as the other's.</summary>
public enum AuthRole : byte
{
    /// <summary>The host's proof, sent in <see cref="Messages.AuthResponse"/>.</summary>
    Host = (byte)'H',

    /// <summary>The adapter's proof, sent in <see cref="Messages.AuthResult"/>.</summary>
    Adapter = (byte)'A',
}
