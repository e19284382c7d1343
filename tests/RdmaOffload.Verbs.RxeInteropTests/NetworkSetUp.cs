namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>Creates the interop network once for the whole suite and removes it afterwards.</summary>
[SetUpFixture]
public sealed class NetworkSetUp
{
    internal static InteropNetwork? Network { get; private set; }

    [OneTimeSetUp]
    public void Create() => Network = InteropNetwork.Create();

    [OneTimeTearDown]
    public void Remove() => Network?.Dispose();
}
