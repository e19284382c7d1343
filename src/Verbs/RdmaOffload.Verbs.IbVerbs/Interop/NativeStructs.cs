using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

// Mirrors of the data-path structs of <infiniband/verbs.h> and of the shim's fixed-layout control
// structs (native/include/rdma_shim.h). Every offset and size is checked against the real headers by
// RdmaOffload.Verbs.Tests (NativeLayoutTests), so a change in rdma-core fails the build's tests.
// The scatter/gather entry is RdmaOffload.Verbs.ScatterGatherEntry itself (layout of struct ibv_sge).

/// <summary>struct ibv_wc.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct IbvWc
{
    [FieldOffset(0)] public ulong WrId;
    [FieldOffset(8)] public int Status;
    [FieldOffset(12)] public int Opcode;
    [FieldOffset(16)] public uint VendorErr;
    [FieldOffset(20)] public uint ByteLen;
    [FieldOffset(24)] public uint ImmData; // network byte order
    [FieldOffset(28)] public uint QpNum;
    [FieldOffset(32)] public uint SrcQp;
    [FieldOffset(36)] public uint WcFlags;
}

/// <summary>struct ibv_send_wr (only the RC fields are named; the rest is zeroed padding).</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal unsafe struct IbvSendWr
{
    [FieldOffset(0)] public ulong WrId;
    [FieldOffset(8)] public IbvSendWr* Next;
    [FieldOffset(16)] public ScatterGatherEntry* SgList;
    [FieldOffset(24)] public int NumSge;
    [FieldOffset(28)] public int Opcode;
    [FieldOffset(32)] public uint SendFlags;
    [FieldOffset(36)] public uint ImmData; // network byte order
    [FieldOffset(40)] public ulong RemoteAddr; // wr.rdma.remote_addr
    [FieldOffset(48)] public uint RKey; // wr.rdma.rkey
}

/// <summary>struct ibv_recv_wr.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal unsafe struct IbvRecvWr
{
    [FieldOffset(0)] public ulong WrId;
    [FieldOffset(8)] public IbvRecvWr* Next;
    [FieldOffset(16)] public ScatterGatherEntry* SgList;
    [FieldOffset(24)] public int NumSge;
}

/// <summary>Flags of ibv_wc.wc_flags that the provider reads.</summary>
internal static class IbvWcFlags
{
    internal const uint WithImmediate = 1 << 1; // IBV_WC_WITH_IMM
}

/// <summary>Values of enum ibv_transport_type and enum ibv_link_layer the provider maps.</summary>
internal static class IbvConstants
{
    internal const int TransportIb = 0; // IBV_TRANSPORT_IB
    internal const int TransportIwarp = 1; // IBV_TRANSPORT_IWARP
    internal const int LinkLayerInfiniBand = 1; // IBV_LINK_LAYER_INFINIBAND
    internal const int LinkLayerEthernet = 2; // IBV_LINK_LAYER_ETHERNET
    internal const int RdmaPortSpaceTcp = 0x0106; // RDMA_PS_TCP
}

/// <summary>RdmaShimDeviceAttributes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimDeviceAttributes
{
    public int MaxQp;
    public int MaxQpWr;
    public int MaxSge;
    public int MaxCq;
    public int MaxCqe;
    public int MaxMr;
    public ulong MaxMrSize;
    public int MaxQpRdAtom;
    public int Padding;
}

/// <summary>RdmaShimPortAttributes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimPortAttributes
{
    public int State;
    public int MaxMtu;
    public int ActiveMtu;
    public int GidTableLength;
    public int LinkLayer;
    public int Padding;
}

/// <summary>RdmaShimQpCreateAttributes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimQpCreateAttributes
{
    public uint MaxSendWr;
    public uint MaxRecvWr;
    public uint MaxSendSge;
    public uint MaxRecvSge;
    public uint MaxInlineData;
    public int SignalAllSends;
}

/// <summary>RdmaShimRtrAttributes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ShimRtrAttributes
{
    public fixed byte RemoteGid[16];
    public uint RemoteQpn;
    public uint ReceivePsn;
    public ushort RemoteLid;
    public byte PortNumber;
    public byte SourceGidIndex;
    public int PathMtu;
    public byte MaxDestRdAtomic;
    public byte MinRnrTimer;
    public byte HopLimit;
    public byte UseGlobalRoute;
}

/// <summary>RdmaShimRtsAttributes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimRtsAttributes
{
    public uint SendPsn;
    public byte Timeout;
    public byte RetryCount;
    public byte RnrRetry;
    public byte MaxRdAtomic;
}

/// <summary>Values of enum rdma_cm_event_type.</summary>
internal enum CmEventType
{
    AddressResolved = 0,
    AddressError = 1,
    RouteResolved = 2,
    RouteError = 3,
    ConnectRequest = 4,
    ConnectResponse = 5,
    ConnectError = 6,
    Unreachable = 7,
    Rejected = 8,
    Established = 9,
    Disconnected = 10,
    DeviceRemoval = 11,
    MulticastJoin = 12,
    MulticastError = 13,
    AddressChange = 14,
    TimewaitExit = 15,
}
