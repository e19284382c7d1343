using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Link;

/// <summary>What the adapter sends back for a hello: a challenge, or a refusal after which the link closes.</summary>
/// <param name="IsRefused">Whether to send <see cref="Refusal"/> (true) or <see cref="Challenge"/> (false).</param>
/// <param name="Challenge">The challenge, when not refused.</param>
/// <param name="Refusal">The refusal, when refused.</param>
public readonly record struct HelloAnswer(bool IsRefused, Challenge Challenge, HelloRefused Refusal);
