namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>Names of the native libraries the provider binds to.</summary>
internal static partial class NativeLibraries
{
    /// <summary>rdma-core's verbs library.</summary>
    internal const string IbVerbs = "libibverbs.so.1";

    /// <summary>rdma-core's connection manager library.</summary>
    internal const string RdmaCm = "librdmacm.so.1";

    /// <summary>This project's C shim (native/), copied next to the assembly.</summary>
    internal const string Shim = "librdmaoffload_shim";
}
