using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>Range math against a direct statement of RFC 9110 14.1.2.</summary>
public sealed class RangePropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(5000);

    [Test]
    public void First_last_ranges_follow_the_rfc() =>
        Prop.ForAll(Lengths(), Offsets(), Offsets(), (length, first, last) =>
        {
            var range = ByteRange.Resolve($"bytes={first}-{last}", length);
            if (last < first)
            {
                return range.Kind == RangeKind.Whole;
            }

            if (first >= length)
            {
                return range.Kind == RangeKind.Unsatisfiable;
            }

            return range.Kind == RangeKind.Partial && range.First == first && range.Last == Math.Min(last, length - 1) && InBounds(range, length);
        }).Check(Config);

    [Test]
    public void Open_ended_ranges_run_to_the_end() =>
        Prop.ForAll(Lengths(), Offsets(), (length, first) =>
        {
            var range = ByteRange.Resolve($"bytes={first}-", length);
            return first >= length
                ? range.Kind == RangeKind.Unsatisfiable
                : range.Kind == RangeKind.Partial && range.First == first && range.Last == length - 1;
        }).Check(Config);

    [Test]
    public void Suffix_ranges_take_the_last_n_bytes() =>
        Prop.ForAll(Lengths(), Offsets(), (length, suffix) =>
        {
            var range = ByteRange.Resolve($"bytes=-{suffix}", length);
            if (suffix == 0 || length == 0)
            {
                return range.Kind == RangeKind.Unsatisfiable;
            }

            return range.Kind == RangeKind.Partial && range.Length == Math.Min(suffix, length) && range.Last == length - 1 && InBounds(range, length);
        }).Check(Config);

    [Test]
    public void Arbitrary_headers_never_throw_and_partial_ranges_are_in_bounds() =>
        Prop.ForAll(Lengths(), Generators.Between(Gen.Elements("bytes", "=", "-", ",", " ", "0", "7", "99999999999999999999999", "x", "BYTES"), 0, 10)
            .Select(list => string.Concat(list)).ToArbitrary(), (length, header) =>
        {
            var range = ByteRange.Resolve(header, length);
            return range.Kind != RangeKind.Partial || InBounds(range, length);
        }).Check(Config);

    [TestCase(long.MaxValue)]
    public void Huge_numbers_saturate_instead_of_overflowing(long length)
    {
        Assert.That(ByteRange.Resolve("bytes=0-99999999999999999999999", 10), Is.EqualTo(new ByteRange(RangeKind.Partial, 0, 9)));
        Assert.That(ByteRange.Resolve("bytes=99999999999999999999999-", 10).Kind, Is.EqualTo(RangeKind.Unsatisfiable));
        Assert.That(ByteRange.Resolve("bytes=-99999999999999999999999", 10), Is.EqualTo(new ByteRange(RangeKind.Partial, 0, 9)));
        Assert.That(ByteRange.Resolve("bytes=-1", length), Is.EqualTo(new ByteRange(RangeKind.Partial, length - 1, length - 1)));
    }

    private static bool InBounds(ByteRange range, long length) => range.First >= 0 && range.First <= range.Last && range.Last < length;

    private static Arbitrary<long> Lengths() => Gen.OneOf(Gen.Choose(0, 50).Select(i => (long)i), Gen.Choose(0, int.MaxValue).Select(i => (long)i * 3)).ToArbitrary();

    private static Arbitrary<long> Offsets() => Gen.OneOf(Gen.Choose(0, 60).Select(i => (long)i), Gen.Choose(0, int.MaxValue).Select(i => (long)i * 5)).ToArbitrary();
}
