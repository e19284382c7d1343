namespace RdmaOffload.NetStack.Tests.Simulation;

/// <summary>Fault model of one direction of a simulated link. Times in microseconds.</summary>
public sealed record LinkConditions
{
    public double LossRate { get; init; }

    public double DuplicateRate { get; init; }

    /// <summary>Probability that a frame gets extra delay (so later frames overtake it).</summary>
    public double ReorderRate { get; init; }

    public long ReorderExtraDelay { get; init; } = 3_000;

    public long Delay { get; init; } = 1_000;

    /// <summary>Serialisation rate in bytes per second (0 = infinite).</summary>
    public long BytesPerSecond { get; init; }

    /// <summary>Optional filter: return false to drop a frame (scripted loss).</summary>
    public Func<byte[], bool>? Filter { get; init; }

    public static LinkConditions Perfect { get; } = new();
}
