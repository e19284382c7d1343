namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>Reliable-connected BTH opcodes (IBA table 38; the RC transport bits 000 are zero).</summary>
public enum RoceOpcode : byte
{
    /// <summary>First packet of a multi-packet SEND.</summary>
    SendFirst = 0x00,
    /// <summary>Middle packet of a SEND.</summary>
    SendMiddle = 0x01,
    /// <summary>Last packet of a SEND.</summary>
    SendLast = 0x02,
    /// <summary>Last packet of a SEND with immediate data.</summary>
    SendLastWithImmediate = 0x03,
    /// <summary>Single-packet SEND.</summary>
    SendOnly = 0x04,
    /// <summary>Single-packet SEND with immediate data.</summary>
    SendOnlyWithImmediate = 0x05,
    /// <summary>First packet of an RDMA WRITE (carries the RETH).</summary>
    RdmaWriteFirst = 0x06,
    /// <summary>Middle packet of an RDMA WRITE.</summary>
    RdmaWriteMiddle = 0x07,
    /// <summary>Last packet of an RDMA WRITE.</summary>
    RdmaWriteLast = 0x08,
    /// <summary>Last packet of an RDMA WRITE with immediate data.</summary>
    RdmaWriteLastWithImmediate = 0x09,
    /// <summary>Single-packet RDMA WRITE (carries the RETH).</summary>
    RdmaWriteOnly = 0x0A,
    /// <summary>Single-packet RDMA WRITE with immediate data.</summary>
    RdmaWriteOnlyWithImmediate = 0x0B,
    /// <summary>RDMA READ request (carries the RETH).</summary>
    RdmaReadRequest = 0x0C,
    /// <summary>First packet of a multi-packet READ response (carries the AETH).</summary>
    RdmaReadResponseFirst = 0x0D,
    /// <summary>Middle READ response packet.</summary>
    RdmaReadResponseMiddle = 0x0E,
    /// <summary>Last READ response packet (carries the AETH).</summary>
    RdmaReadResponseLast = 0x0F,
    /// <summary>Single-packet READ response (carries the AETH).</summary>
    RdmaReadResponseOnly = 0x10,
    /// <summary>Acknowledge (carries the AETH).</summary>
    Acknowledge = 0x11,
}

/// <summary>Which headers and roles an opcode implies.</summary>
[Flags]
public enum OpcodeTraits
{
    /// <summary>Not a supported opcode.</summary>
    None = 0,
    /// <summary>An RDMA extended transport header follows the BTH.</summary>
    HasReth = 1 << 0,
    /// <summary>An ACK extended transport header follows the BTH.</summary>
    HasAeth = 1 << 1,
    /// <summary>Immediate data follows the other extension headers.</summary>
    HasImmediate = 1 << 2,
    /// <summary>The packet may carry payload.</summary>
    HasPayload = 1 << 3,
    /// <summary>Starts a message (first or only).</summary>
    Start = 1 << 4,
    /// <summary>Ends a message (last or only).</summary>
    End = 1 << 5,
    /// <summary>A request (requester to responder); otherwise a response.</summary>
    Request = 1 << 6,
    /// <summary>A SEND opcode.</summary>
    Send = 1 << 7,
    /// <summary>An RDMA WRITE opcode.</summary>
    Write = 1 << 8,
    /// <summary>An RDMA READ request or response.</summary>
    Read = 1 << 9,
}

/// <summary>Lookups over <see cref="RoceOpcode"/>.</summary>
public static class RoceOpcodes
{
    private static readonly OpcodeTraits[] Table = BuildTable();

    /// <summary>Traits of an opcode byte; <see cref="OpcodeTraits.None"/> for unsupported ones.</summary>
    public static OpcodeTraits Traits(byte opcode) => opcode < Table.Length ? Table[opcode] : OpcodeTraits.None;

    /// <summary>Bytes of extension headers (RETH, AETH, ImmDt) after the BTH.</summary>
    public static int ExtensionLength(OpcodeTraits traits) =>
        ((traits & OpcodeTraits.HasReth) != 0 ? RdmaExtendedTransportHeader.Length : 0)
        + ((traits & OpcodeTraits.HasAeth) != 0 ? AckExtendedTransportHeader.Length : 0)
        + ((traits & OpcodeTraits.HasImmediate) != 0 ? 4 : 0);

    private static OpcodeTraits[] BuildTable()
    {
        const OpcodeTraits SendRequest = OpcodeTraits.Request | OpcodeTraits.Send | OpcodeTraits.HasPayload;
        const OpcodeTraits WriteRequest = OpcodeTraits.Request | OpcodeTraits.Write | OpcodeTraits.HasPayload;
        const OpcodeTraits ReadResponse = OpcodeTraits.Read | OpcodeTraits.HasPayload;
        var table = new OpcodeTraits[(int)RoceOpcode.Acknowledge + 1];
        table[(int)RoceOpcode.SendFirst] = SendRequest | OpcodeTraits.Start;
        table[(int)RoceOpcode.SendMiddle] = SendRequest;
        table[(int)RoceOpcode.SendLast] = SendRequest | OpcodeTraits.End;
        table[(int)RoceOpcode.SendLastWithImmediate] = SendRequest | OpcodeTraits.End | OpcodeTraits.HasImmediate;
        table[(int)RoceOpcode.SendOnly] = SendRequest | OpcodeTraits.Start | OpcodeTraits.End;
        table[(int)RoceOpcode.SendOnlyWithImmediate] = SendRequest | OpcodeTraits.Start | OpcodeTraits.End | OpcodeTraits.HasImmediate;
        table[(int)RoceOpcode.RdmaWriteFirst] = WriteRequest | OpcodeTraits.Start | OpcodeTraits.HasReth;
        table[(int)RoceOpcode.RdmaWriteMiddle] = WriteRequest;
        table[(int)RoceOpcode.RdmaWriteLast] = WriteRequest | OpcodeTraits.End;
        table[(int)RoceOpcode.RdmaWriteLastWithImmediate] = WriteRequest | OpcodeTraits.End | OpcodeTraits.HasImmediate;
        table[(int)RoceOpcode.RdmaWriteOnly] = WriteRequest | OpcodeTraits.Start | OpcodeTraits.End | OpcodeTraits.HasReth;
        table[(int)RoceOpcode.RdmaWriteOnlyWithImmediate] = WriteRequest | OpcodeTraits.Start | OpcodeTraits.End | OpcodeTraits.HasReth | OpcodeTraits.HasImmediate;
        table[(int)RoceOpcode.RdmaReadRequest] = OpcodeTraits.Request | OpcodeTraits.Read | OpcodeTraits.Start | OpcodeTraits.End | OpcodeTraits.HasReth;
        table[(int)RoceOpcode.RdmaReadResponseFirst] = ReadResponse | OpcodeTraits.Start | OpcodeTraits.HasAeth;
        table[(int)RoceOpcode.RdmaReadResponseMiddle] = ReadResponse;
        table[(int)RoceOpcode.RdmaReadResponseLast] = ReadResponse | OpcodeTraits.End | OpcodeTraits.HasAeth;
        table[(int)RoceOpcode.RdmaReadResponseOnly] = ReadResponse | OpcodeTraits.Start | OpcodeTraits.End | OpcodeTraits.HasAeth;
        table[(int)RoceOpcode.Acknowledge] = OpcodeTraits.Start | OpcodeTraits.End | OpcodeTraits.HasAeth;
        return table;
    }
}
