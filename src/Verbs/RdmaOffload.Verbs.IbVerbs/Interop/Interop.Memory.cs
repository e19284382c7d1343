using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>Protection domains and memory regions.</summary>
internal static partial class Memory
{
    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_alloc_pd")]
    internal static partial nint AllocatePd(nint context);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_dealloc_pd")]
    internal static partial int DeallocatePd(nint pd);

    /// <summary>The exported ibv_reg_mr (verbs.h wraps it in a macro that may pick ibv_reg_mr_iova2).</summary>
    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_reg_mr")]
    internal static partial nint RegisterMr(nint pd, nint address, nuint length, int access);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_dereg_mr")]
    internal static partial int DeregisterMr(nint mr);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_MrLkey")]
    internal static partial uint MrLocalKey(nint mr);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_MrRkey")]
    internal static partial uint MrRemoteKey(nint mr);
}
