using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Wire;

public sealed class PsnTests
{
    [Test]
    public void Addition_wraps_at_24_bits()
    {
        var psn = new Psn(0xFF_FFFE);
        Assert.That((psn + 3).Value, Is.EqualTo(1u));
        Assert.That((new Psn(1) - 2).Value, Is.EqualTo(0xFF_FFFFu));
    }

    [Test]
    public void Order_holds_across_the_wrap()
    {
        var beforeWrap = new Psn(0xFF_FFF0);
        var afterWrap = new Psn(0x10);
        Assert.That(beforeWrap.IsBefore(afterWrap), Is.True);
        Assert.That(afterWrap.IsAfter(beforeWrap), Is.True);
        Assert.That(Psn.Distance(beforeWrap, afterWrap), Is.EqualTo(0x20));
    }

    [Test]
    public void Distance_of_an_addition_is_the_added_count()
    {
        Prop.ForAll<uint, int>((start, step) =>
        {
            int count = step % 0x7F_FFFF;
            var a = new Psn(start);
            return Psn.Distance(a, a + count) == count && (count > 0) == a.IsBefore(a + count);
        }).QuickCheckThrowOnFailure();
    }
}
