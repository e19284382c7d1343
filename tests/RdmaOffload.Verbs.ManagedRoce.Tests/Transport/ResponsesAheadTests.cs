using RdmaOffload.Verbs.ManagedRoce.Transport;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

public sealed class ResponsesAheadTests
{
    [Test]
    public void Advancing_past_the_expected_response_consumes_the_run_that_follows_and_renumbers_the_rest()
    {
        var ahead = new ResponsesAhead();
        Assert.That((ahead.TryMark(1), ahead.TryMark(2), ahead.TryMark(5), ahead.TryMark(2)), Is.EqualTo((true, true, true, false)));
        Assert.That(ahead.Count, Is.EqualTo(3));

        // Expected arrives: 1 and 2 follow it directly; 5 is now 2 past the new expected one (old 3).
        Assert.That(ahead.AdvancePastExpected(), Is.EqualTo(2));
        Assert.That(ahead.Count, Is.EqualTo(1));
        Assert.That(ahead.TryMark(2), Is.False, "old 5 is new 2");
        Assert.That(ahead.AdvancePastExpected(), Is.Zero, "new 1 is missing");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Random_arrivals_match_a_reference_set(int seed)
    {
        // Property: against a plain set of absolute positions, any order of marks and advances agrees.
        var random = new Random(seed);
        var ahead = new ResponsesAhead();
        var held = new HashSet<long>();
        long expected = 0;
        for (int step = 0; step < 20_000; step++)
        {
            if (random.Next(4) == 0)
            {
                int run = ahead.AdvancePastExpected();
                long next = expected + 1;
                int reference = 0;
                while (held.Remove(next))
                {
                    reference++;
                    next++;
                }

                Assert.That(run, Is.EqualTo(reference));
                expected = next;
            }
            else
            {
                int distance = random.Next(1, ResponsesAhead.Capacity);
                Assert.That(ahead.TryMark(distance), Is.EqualTo(held.Add(expected + distance)));
            }

            Assert.That(ahead.Count, Is.EqualTo(held.Count));
        }
    }

    [Test]
    public void Distances_outside_the_map_are_refused()
    {
        var ahead = new ResponsesAhead();
        Assert.Throws<ArgumentOutOfRangeException>(() => ahead.TryMark(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ahead.TryMark(ResponsesAhead.Capacity));
    }
}
