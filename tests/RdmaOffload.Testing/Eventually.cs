namespace RdmaOffload.Testing;

/// <summary>Waits for a condition another thread or process brings about, failing the test with a message if it never holds.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {timeout}: {describe()}");
            }

            await Task.Delay(50);
        }
    }
}
