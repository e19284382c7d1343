using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.Tests;

/// <summary>
/// Every struct the provider mirrors and every constant it passes to native code, checked against
/// the real rdma-core and shim headers: C source with one <c>_Static_assert</c> per offset, size and
/// value, compiled with <c>cc -fsyntax-only</c>.
/// </summary>
public sealed class NativeLayoutTests
{
    [Test]
    public void Mirrored_structs_and_constants_match_the_native_headers()
    {
        string source = GenerateAssertions();
        var (exitCode, errors) = CompileSyntaxOnly(source);
        Assert.That(exitCode, Is.Zero, $"the C# definitions disagree with the headers:\n{errors}");
    }

    [Test]
    public void A_wrong_offset_is_caught_by_the_check()
    {
        // The check itself must be able to fail: a deliberately wrong assertion does not compile.
        var (exitCode, errors) = CompileSyntaxOnly(Prelude + "_Static_assert(offsetof(struct ibv_wc, status) == 12, \"ibv_wc.status\");\n");
        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(errors, Does.Contain("ibv_wc.status"));
    }

    private const string Prelude = "#include <stddef.h>\n#include <infiniband/verbs.h>\n#include <rdma/rdma_cma.h>\n#include \"rdma_shim.h\"\n";

    private static string GenerateAssertions()
    {
        var c = new StringBuilder(Prelude);
        Struct<IbvWc>(c, "struct ibv_wc", ("WrId", "wr_id"), ("Status", "status"), ("Opcode", "opcode"), ("VendorErr", "vendor_err"),
            ("ByteLen", "byte_len"), ("ImmData", "imm_data"), ("QpNum", "qp_num"), ("SrcQp", "src_qp"), ("WcFlags", "wc_flags"));
        Struct<IbvSendWr>(c, "struct ibv_send_wr", ("WrId", "wr_id"), ("Next", "next"), ("SgList", "sg_list"), ("NumSge", "num_sge"),
            ("Opcode", "opcode"), ("SendFlags", "send_flags"), ("ImmData", "imm_data"), ("RemoteAddr", "wr.rdma.remote_addr"), ("RKey", "wr.rdma.rkey"));
        Struct<IbvRecvWr>(c, "struct ibv_recv_wr", ("WrId", "wr_id"), ("Next", "next"), ("SgList", "sg_list"), ("NumSge", "num_sge"));
        Struct<ScatterGatherEntry>(c, "struct ibv_sge", ("<Address>k__BackingField", "addr"), ("<Length>k__BackingField", "length"), ("<LocalKey>k__BackingField", "lkey"));
        foreach (var type in new[] { typeof(ShimDeviceAttributes), typeof(ShimPortAttributes), typeof(ShimQpCreateAttributes), typeof(ShimRtrAttributes), typeof(ShimRtsAttributes) })
        {
            ShimStruct(c, type);
        }

        Enum<WorkCompletionStatus>(c, "IBV_WC_", "SUCCESS", "LOC_LEN_ERR", "LOC_QP_OP_ERR", "LOC_EEC_OP_ERR", "LOC_PROT_ERR", "WR_FLUSH_ERR",
            "MW_BIND_ERR", "BAD_RESP_ERR", "LOC_ACCESS_ERR", "REM_INV_REQ_ERR", "REM_ACCESS_ERR", "REM_OP_ERR", "RETRY_EXC_ERR", "RNR_RETRY_EXC_ERR",
            "LOC_RDD_VIOL_ERR", "REM_INV_RD_REQ_ERR", "REM_ABORT_ERR", "INV_EECN_ERR", "INV_EEC_STATE_ERR", "FATAL_ERR", "RESP_TIMEOUT_ERR", "GENERAL_ERR");
        Enum<WorkCompletionOpcode>(c, "IBV_WC_", "SEND", "RDMA_WRITE", "RDMA_READ", "COMP_SWAP", "FETCH_ADD", "BIND_MW", "LOCAL_INV", "RECV", "RECV_RDMA_WITH_IMM");
        Enum<SendOpcode>(c, "IBV_WR_", "RDMA_WRITE", "RDMA_WRITE_WITH_IMM", "SEND", "SEND_WITH_IMM", "RDMA_READ");
        Enum<SendOptions>(c, "IBV_SEND_", null, "FENCE", "SIGNALED", "SOLICITED", "INLINE");
        Enum<MemoryAccess>(c, "IBV_ACCESS_", null, "LOCAL_WRITE", "REMOTE_WRITE", "REMOTE_READ", "REMOTE_ATOMIC");
        Enum<QueuePairState>(c, "IBV_QPS_", "RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR");
        Enum<PortState>(c, "IBV_PORT_", "NOP", "DOWN", "INIT", "ARMED", "ACTIVE", "ACTIVE_DEFER");
        Enum<PathMtu>(c, "IBV_MTU_", "256", "512", "1024", "2048", "4096");
        Enum<CmEventType>(c, "RDMA_CM_EVENT_", "ADDR_RESOLVED", "ADDR_ERROR", "ROUTE_RESOLVED", "ROUTE_ERROR", "CONNECT_REQUEST", "CONNECT_RESPONSE",
            "CONNECT_ERROR", "UNREACHABLE", "REJECTED", "ESTABLISHED", "DISCONNECTED", "DEVICE_REMOVAL", "MULTICAST_JOIN", "MULTICAST_ERROR",
            "ADDR_CHANGE", "TIMEWAIT_EXIT");
        Constant(c, "IBV_WC_WITH_IMM", IbvWcFlags.WithImmediate);
        Constant(c, "IBV_TRANSPORT_IB", IbvConstants.TransportIb);
        Constant(c, "IBV_TRANSPORT_IWARP", IbvConstants.TransportIwarp);
        Constant(c, "IBV_LINK_LAYER_INFINIBAND", IbvConstants.LinkLayerInfiniBand);
        Constant(c, "IBV_LINK_LAYER_ETHERNET", IbvConstants.LinkLayerEthernet);
        Constant(c, "RDMA_PS_TCP", IbvConstants.RdmaPortSpaceTcp);
        return c.ToString();
    }

    private static void Struct<T>(StringBuilder c, string cType, params (string Field, string Member)[] fields)
        where T : struct
    {
        c.AppendLine($"_Static_assert(sizeof({cType}) == {Marshal.SizeOf<T>()}, \"sizeof {cType}\");");
        foreach (var (field, member) in fields)
        {
            c.AppendLine($"_Static_assert(offsetof({cType}, {member}) == {Marshal.OffsetOf<T>(field)}, \"{cType}.{member}\");");
        }
    }

    private static void ShimStruct(StringBuilder c, Type type)
    {
        string cType = "RdmaShim" + type.Name["Shim".Length..];
        c.AppendLine($"_Static_assert(sizeof({cType}) == {Marshal.SizeOf(type)}, \"sizeof {cType}\");");
        foreach (var field in type.GetFields())
        {
            c.AppendLine($"_Static_assert(offsetof({cType}, {field.Name}) == {Marshal.OffsetOf(type, field.Name)}, \"{cType}.{field.Name}\");");
        }
    }

    /// <summary>Asserts each C# enum member, in declaration order, equals <c>prefix + name</c> (null: no native counterpart).</summary>
    private static void Enum<TEnum>(StringBuilder c, string prefix, params string?[] nativeNames)
        where TEnum : struct, Enum
    {
        var values = System.Enum.GetValues<TEnum>();
        Assert.That(values, Has.Length.EqualTo(nativeNames.Length), $"{typeof(TEnum).Name}: one native name per member");
        for (int i = 0; i < values.Length; i++)
        {
            if (nativeNames[i] is { } name)
            {
                Constant(c, prefix + name, Convert.ToInt64(values[i], System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    private static void Constant(StringBuilder c, string name, long value) =>
        c.AppendLine($"_Static_assert((long long)({name}) == {value}LL, \"{name} == {value}\");");

    private static (int ExitCode, string Errors) CompileSyntaxOnly(string source)
    {
        string shimInclude = Path.Combine(RepositoryRoot(), "native", "include");
        if (!File.Exists("/usr/include/infiniband/verbs.h") || !File.Exists("/usr/include/rdma/rdma_cma.h"))
        {
            Assert.Fail("libibverbs/librdmacm headers are missing: run scripts/install-deps build");
        }

        string file = Path.Combine(Path.GetTempPath(), $"rdmaoffload-layout-{Environment.ProcessId}-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source);
        try
        {
            var start = new ProcessStartInfo("cc", ["-fsyntax-only", "-std=c11", "-Werror", "-I", shimInclude, file])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Assert.Fail($"no C compiler 'cc' ({e.Message}): run scripts/install-deps build");
                throw;
            }

            using (process)
            {
                string errors = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                return (process.ExitCode, errors);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "native", "include", "rdma_shim.h")))
            {
                return dir.FullName;
            }
        }

        Assert.Fail("cannot find native/include/rdma_shim.h above " + AppContext.BaseDirectory);
        throw new InvalidOperationException("unreachable");
    }
}
