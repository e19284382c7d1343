namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>
/// A 24-bit packet sequence number. Arithmetic wraps modulo 2^24 and order is defined only within
/// half the space (like TCP sequence numbers): compare with <see cref="IsBefore"/>, never with raw integers.
/// </summary>
public readonly record struct Psn
{
    /// <summary>Bits in a PSN.</summary>
    public const int Bits = 24;

    /// <summary>Mask of the valid bits.</summary>
    public const uint Mask = 0xFF_FFFF;

    /// <summary>Creates a PSN from the low 24 bits of <paramref name="value"/>.</summary>
    public Psn(uint value) => Value = value & Mask;

    /// <summary>The 24-bit value.</summary>
    public uint Value { get; }

    /// <summary>
    /// Signed distance from <paramref name="from"/> to <paramref name="to"/> in the range [-2^23, 2^23):
    /// positive when <paramref name="to"/> is later.
    /// </summary>
    public static int Distance(Psn from, Psn to) => ((int)((to.Value - from.Value) << 8)) >> 8;

    /// <summary>This PSN advanced by <paramref name="count"/> (may be negative), wrapping.</summary>
    public Psn Add(int count) => new((uint)(Value + count));

    /// <summary>True when this PSN comes strictly before <paramref name="other"/>.</summary>
    public bool IsBefore(Psn other) => Distance(this, other) > 0;

    /// <summary>True when this PSN comes strictly after <paramref name="other"/>.</summary>
    public bool IsAfter(Psn other) => Distance(this, other) < 0;

    /// <summary>Adds with wrap.</summary>
    public static Psn operator +(Psn psn, int count) => psn.Add(count);

    /// <summary>Subtracts with wrap.</summary>
    public static Psn operator -(Psn psn, int count) => psn.Add(-count);

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
