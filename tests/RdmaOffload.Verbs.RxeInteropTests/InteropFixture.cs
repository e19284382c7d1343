using RdmaOffload.Verbs.IbVerbs;
using RdmaOffload.Verbs.RxeInteropPeer;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>
/// One kernel rxe QP (this process, ibverbs) connected to one managed-roce QP (the peer process in the interop
/// namespace) for a whole fixture; subclasses add the link conditions and the transfers.
/// </summary>
public abstract class InteropFixture(string family)
{
    private IbVerbsProvider? _provider;
    private IRdmaDevice? _device;
    private InteropEndpoint? _kernel;
    private PeerProcess? _peer;
    private int _seed = 1;

    /// <summary>A fresh fill seed per use, so no two transfers carry the same bytes.</summary>
    protected int NextSeed() => _seed++;

    protected bool IsIPv6 => family == "IPv6";

    protected InteropEndpoint Kernel => _kernel ?? throw new InvalidOperationException("not set up");

    protected PeerProcess Peer => _peer ?? throw new InvalidOperationException("not set up");

    [OneTimeSetUp]
    public void Connect()
    {
        BeforeConnect();
        _provider = new IbVerbsProvider();
        _device = _provider.OpenDevice(InteropNetwork.RxeDevice);
        _kernel = new InteropEndpoint(_device, IsIPv6 ? InteropNetwork.KernelIPv6 : InteropNetwork.KernelIPv4, psn: 0x000100);
        _peer = PeerProcess.Start(IsIPv6 ? InteropNetwork.PeerIPv6 : InteropNetwork.PeerIPv4, verifyIcrc: IsIPv6);
        var managedEndpoint = _peer.Endpoint();
        Assert.That(managedEndpoint.Gid.ToIPAddress(), Is.EqualTo(IsIPv6 ? InteropNetwork.PeerIPv6 : InteropNetwork.PeerIPv4), "the managed device's GID is its address");
        _peer.Call("connect " + PeerCommands.EncodeEndpoint(_kernel.LocalEndpoint));
        _kernel.Connect(managedEndpoint);
    }

    [OneTimeTearDown]
    public void Disconnect()
    {
        _peer?.Dispose();
        _kernel?.Dispose();
        _device?.Dispose();
        _provider?.Dispose();
        AfterDisconnect();
    }

    /// <summary>Runs before the QPs connect (e.g. to impair the link).</summary>
    protected virtual void BeforeConnect()
    {
    }

    /// <summary>Runs after the QPs are gone (e.g. to restore the link).</summary>
    protected virtual void AfterDisconnect()
    {
    }

    protected string PeerHash(int size) => Peer.Call($"hash {size}")["hash ".Length..];

    protected static void AssertSuccess(WorkCompletion completion, string what) =>
        Assert.That(completion.Status, Is.EqualTo(WorkCompletionStatus.Success), what);
}
