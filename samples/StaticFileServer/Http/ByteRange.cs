namespace RdmaOffload.Samples.StaticFileServer.Http;

internal enum RangeKind
{
    /// <summary>No usable Range: serve the whole representation (absent, other unit, malformed, or several ranges).</summary>
    Whole,

    /// <summary>One satisfiable range: 206 with <see cref="ByteRange.First"/>..<see cref="ByteRange.Last"/>.</summary>
    Partial,

    /// <summary>A well-formed range that selects nothing: 416.</summary>
    Unsatisfiable,
}

/// <summary>
/// A single byte range (RFC 9110 14.1.2) resolved against a representation length. Malformed ranges and
/// multi-range requests are ignored (served whole), which RFC 9110 allows.
/// </summary>
internal readonly record struct ByteRange(RangeKind Kind, long First, long Last)
{
    public long Length => Last - First + 1;

    public static ByteRange Resolve(string? header, long length)
    {
        var whole = new ByteRange(RangeKind.Whole, 0, length - 1);
        if (header is null)
        {
            return whole;
        }

        var spec = header.AsSpan().Trim(" \t");
        if (!spec.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return whole;
        }

        spec = spec["bytes=".Length..].Trim(" \t");
        var dash = spec.IndexOf('-');
        if (dash < 0 || spec.Contains(','))
        {
            return whole;
        }

        var firstText = spec[..dash].TrimEnd(" \t");
        var lastText = spec[(dash + 1)..].TrimStart(" \t");
        if (firstText.IsEmpty)
        {
            // bytes=-n: the last n bytes.
            if (!TryParse(lastText, out var suffix))
            {
                return whole;
            }

            return suffix == 0 || length == 0
                ? Unsatisfiable
                : new ByteRange(RangeKind.Partial, Math.Max(0, length - suffix), length - 1);
        }

        if (!TryParse(firstText, out var first))
        {
            return whole;
        }

        var last = long.MaxValue;
        if (!lastText.IsEmpty && (!TryParse(lastText, out last) || last < first))
        {
            return whole;
        }

        return first >= length ? Unsatisfiable : new ByteRange(RangeKind.Partial, first, Math.Min(last, length - 1));
    }

    private static ByteRange Unsatisfiable => new(RangeKind.Unsatisfiable, 0, -1);

    /// <summary>1*DIGIT, saturating at <see cref="long.MaxValue"/>.</summary>
    private static bool TryParse(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : (value * 10) + (c - '0');
        }

        return true;
    }
}
