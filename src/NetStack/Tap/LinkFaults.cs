namespace RdmaOffload.NetStack.Tap;

/// <summary>
/// Deterministic (seeded) impairments a <see cref="NetStackHost"/> applies to frames in both directions: loss,
/// duplication, reordering and added delay. Meant for tests and experiments on kernels without <c>sch_netem</c>;
/// all rates default to zero.
/// </summary>
public sealed class LinkFaults
{
    private readonly Random _random;

    /// <summary>Creates impairments driven by a seeded generator.</summary>
    public LinkFaults(int seed = 1) => _random = new Random(seed);

    /// <summary>Probability a frame is dropped.</summary>
    public double LossRate { get; init; }

    /// <summary>Probability a frame is delivered twice.</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Probability a frame is held back and delivered after <see cref="ReorderDelay"/> (so later frames overtake it).</summary>
    public double ReorderRate { get; init; }

    /// <summary>Extra delay of reordered frames (µs).</summary>
    public long ReorderDelay { get; init; } = 2_000;

    /// <summary>Delay added to every frame (µs).</summary>
    public long Delay { get; init; }

    internal bool Drop() => LossRate > 0 && _random.NextDouble() < LossRate;

    internal bool Duplicate() => DuplicateRate > 0 && _random.NextDouble() < DuplicateRate;

    internal long DelayFor() => Delay + (ReorderRate > 0 && _random.NextDouble() < ReorderRate ? ReorderDelay : 0);
}
