using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>Device list, open/close, device and port queries.</summary>
internal static unsafe partial class Devices
{
    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_get_device_list")]
    internal static partial nint* GetDeviceList(out int count);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_free_device_list")]
    internal static partial void FreeDeviceList(nint* list);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_get_device_name")]
    internal static partial nint GetDeviceName(nint device);

    /// <summary>Returns the GUID in network byte order.</summary>
    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_get_device_guid")]
    internal static partial ulong GetDeviceGuid(nint device);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_open_device")]
    internal static partial nint OpenDevice(nint device);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_close_device")]
    internal static partial int CloseDevice(nint context);

    [LibraryImport(NativeLibraries.IbVerbs, EntryPoint = "ibv_query_gid")]
    internal static partial int QueryGid(nint context, byte port, int index, byte* gid);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_DeviceTransport")]
    internal static partial int DeviceTransport(nint device);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_ContextDevice")]
    internal static partial nint ContextDevice(nint context);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_QueryDevice")]
    internal static partial int QueryDevice(nint context, ShimDeviceAttributes* attributes);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_QueryPort")]
    internal static partial int QueryPort(nint context, byte port, ShimPortAttributes* attributes);
}
