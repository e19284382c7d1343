namespace RdmaOffload.HostAgent.Memory;

/// <summary>A registered block was garbage-collected instead of returned to its pool.</summary>
/// <param name="renterStack">Where it was rented, when the pool captures renter stacks.</param>
public sealed class RegisteredBlockLeakedEventArgs(string? renterStack) : EventArgs
{
    /// <summary>The renter's stack trace, or null when <see cref="RegisteredMemoryPoolOptions.CaptureRenterStacks"/> is off.</summary>
    public string? RenterStack { get; } = renterStack;
}
