using FsCheck;
using FsCheck.Fluent;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Tests.Wire;

/// <summary>Generators of valid messages, one per type, plus a generator of encoded frames of any type.</summary>
internal static class MessageGenerators
{
    private static readonly Gen<byte> Bytes = ArbMap.Default.GeneratorFor<byte>();
    private static readonly Gen<ushort> UInt16s = ArbMap.Default.GeneratorFor<ushort>();
    private static readonly Gen<uint> UInt32s = ArbMap.Default.GeneratorFor<uint>();
    private static readonly Gen<ulong> UInt64s = ArbMap.Default.GeneratorFor<ulong>();

    public static readonly Gen<ushort> NonZeroUInt16 = Gen.Choose(1, ushort.MaxValue).Select(v => (ushort)v);
    public static readonly Gen<uint> NonZeroWorkQueue = UInt32s.Select(v => v == 0 ? 1u : v);

    public static readonly Gen<Bytes32> Bytes32s = Gen.ArrayOf(Bytes, Bytes32.Length).Select(b => Bytes32.Read(b));

    public static readonly Gen<VersionRange> Versions =
        from min in Gen.Choose(1, 255)
        from max in Gen.Choose(min, 255)
        select new VersionRange((byte)min, (byte)max);

    public static readonly Gen<string> Identities =
        Gen.Choose(1, 20).SelectMany(length =>
            Gen.ArrayOf(Gen.Elements("abcxyzABZ019-._é漢🙂".EnumerateRunes().Select(r => r.ToString()).ToArray()), length)
                .Select(parts => string.Concat(parts)))
            .Where(PeerIdentity.IsValid);

    public static readonly Gen<Hello> Hello =
        from v in Versions from n in Bytes32s from id in Identities select new Hello(v, n, id);

    public static readonly Gen<Challenge> Challenge =
        from v in Gen.Choose(1, 255) from n in Bytes32s from id in Identities select new Challenge((byte)v, n, id);

    public static readonly Gen<AuthResponse> AuthResponse = Bytes32s.Select(p => new AuthResponse(p));

    public static readonly Gen<AuthResult> AuthResult = Gen.OneOf(
        Bytes32s.Select(p => new AuthResult(AuthStatus.Accepted, p)),
        Gen.Constant(Messages.AuthResult.Rejected));

    public static readonly Gen<HelloRefused> HelloRefused =
        from r in Gen.Elements(Enum.GetValues<HelloRefusalReason>()) from v in Versions select new HelloRefused(r, v);

    public static readonly Gen<RegisterService> RegisterService =
        from p in NonZeroUInt16 from w in NonZeroUInt16 from m in UInt32s select new RegisterService(p, w, m);

    public static readonly Gen<ServiceRegistration> ServiceRegistration =
        from p in NonZeroUInt16 from s in Gen.Elements(Enum.GetValues<RegistrationStatus>()) select new ServiceRegistration(p, s);

    public static readonly Gen<Ping> Ping = UInt64s.Select(t => new Ping(t));
    public static readonly Gen<Pong> Pong = UInt64s.Select(t => new Pong(t));

    public static readonly Gen<LinkClose> LinkClose = Gen.Elements(Enum.GetValues<LinkCloseReason>()).Select(r => new LinkClose(r));

    public static readonly Gen<ProtocolError> ProtocolError =
        from code in Gen.Elements(Enum.GetValues<ProtocolErrorCode>().Where(c => c != ProtocolErrorCode.None).ToArray())
        from type in Bytes
        from status in Gen.Elements(Enum.GetValues<DecodeStatus>().Where(s => s != DecodeStatus.Ok).ToArray())
        from offset in UInt32s
        select code == ProtocolErrorCode.MalformedFrame
            ? new ProtocolError(code, type, status, offset)
            : new ProtocolError(code, type, DecodeStatus.Ok, 0);

    private static readonly Gen<UInt128> V6Addresses =
        from hi in UInt64s from lo in UInt64s select new UInt128(hi, lo);

    public static readonly Gen<ConnectionOpen> ConnectionOpen = Gen.OneOf(
        from c in UInt32s
        from cp in NonZeroUInt16
        from s in UInt32s
        from sp in NonZeroUInt16
        select new ConnectionOpen(IpFamily.V4, c, cp, s, sp),
        from c in V6Addresses
        from cp in NonZeroUInt16
        from s in V6Addresses
        from sp in NonZeroUInt16
        select new ConnectionOpen(IpFamily.V6, c, cp, s, sp));

    public static readonly Gen<ConnectionAccept> ConnectionAccept = Gen.Constant(default(ConnectionAccept));

    public static readonly Gen<ConnectionRefuse> ConnectionRefuse =
        Gen.Elements(Enum.GetValues<ConnectionRefusalReason>()).Select(r => new ConnectionRefuse(r));

    public static readonly Gen<uint> RegionLengths = Gen.OneOf(
        Gen.Choose(1, 1 << 20).Select(v => (uint)v),
        Gen.Constant(RemoteBufferLimits.MaxLength),
        Gen.Constant(1u));

    private static readonly Gen<(ulong Address, uint Length)> Regions =
        from length in RegionLengths
        from address in UInt64s
        select (Math.Min(address, ulong.MaxValue - length), length);

    public static readonly Gen<PostReceiveBuffer> PostReceiveBuffer =
        from id in UInt32s
        from key in UInt32s
        from region in Regions
        select new PostReceiveBuffer(id, key, region.Address, region.Length);

    public static readonly Gen<DataWritten> DataWritten =
        from id in UInt32s
        from count in RegionLengths
        from offset in Gen.Choose(0, int.MaxValue)
        select new DataWritten(id, Math.Min((uint)offset, RemoteBufferLimits.MaxLength - count), count);

    public static readonly Gen<SendDescriptor> SendDescriptor =
        from id in UInt32s
        from key in UInt32s
        from region in Regions
        select new SendDescriptor(id, key, region.Address, region.Length);

    public static readonly Gen<SendCompleted> SendCompleted = UInt32s.Select(id => new SendCompleted(id));
    public static readonly Gen<Fin> Fin = Gen.Constant(default(Fin));
    public static readonly Gen<Reset> Reset = Gen.Elements(Enum.GetValues<ResetReason>()).Select(r => new Reset(r));

    /// <summary>An encoded frame of any type, with a work queue number that suits its scope.</summary>
    public static readonly Gen<byte[]> AnyFrame = Gen.OneOf(
        Encoded(Hello), Encoded(Challenge), Encoded(AuthResponse), Encoded(AuthResult), Encoded(HelloRefused),
        Encoded(RegisterService), Encoded(ServiceRegistration), Encoded(Ping), Encoded(Pong), Encoded(LinkClose),
        Encoded(ProtocolError), Encoded(ConnectionOpen), Encoded(ConnectionAccept), Encoded(ConnectionRefuse),
        Encoded(PostReceiveBuffer), Encoded(DataWritten), Encoded(SendDescriptor), Encoded(SendCompleted),
        Encoded(Fin), Encoded(Reset));

    private static Gen<byte[]> Encoded<T>(Gen<T> messages)
        where T : struct, IProtocolMessage<T> =>
        from message in messages
        from workQueue in NonZeroWorkQueue
        select Encode(message, MessageTypes.ScopeOf(T.Type) == MessageScope.Link ? 0 : workQueue);

    public static byte[] Encode<T>(in T message, uint workQueue)
        where T : struct, IProtocolMessage<T>
    {
        var buffer = new byte[FrameCodec.FrameLength(message)];
        if (!FrameCodec.TryEncode(buffer, workQueue, message, out var written) || written != buffer.Length)
        {
            throw new InvalidOperationException("Encoding into an exactly sized buffer failed.");
        }

        return buffer;
    }
}
