using System.ComponentModel;

namespace RdmaOffload.NetStack.Tap;

public sealed partial class TapDevice
{
    /// <summary>
    /// Creates the TAP interface inside the network namespace at <paramref name="namespacePath"/> (e.g.
    /// <c>/var/run/netns/clients</c>, as <c>ip netns add</c> makes) and brings it up there, while the calling process
    /// stays in its own namespace. A TAP belongs to the namespace of the thread that created it, so a short-lived
    /// thread enters the namespace (setns) for the creation only; the descriptor keeps working from any thread.
    /// </summary>
    public static TapDevice OpenInNamespace(string name, string namespacePath, int mtu, bool offloads = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespacePath);
        TapDevice? device = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(namespacePath);
                if (Tmds.Linux.LibC.setns((int)ns.DangerousGetHandle(), Tmds.Linux.LibC.CLONE_NEWNET) != 0)
                {
                    throw new Win32Exception(TapInterop.LastErrno, $"Cannot enter network namespace {namespacePath} (setns).");
                }

                device = Open(name, offloads);
                device.BringUp(mtu);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Win32Exception)
            {
                device?.Dispose();
                device = null;
                failure = e;
            }
        })
        { IsBackground = true, Name = "tap-setns" };
        thread.Start();
        thread.Join(); // the thread, and its namespace membership, end here
        return device ?? throw new IOException($"Cannot create TAP '{name}' in {namespacePath}: {failure?.Message}", failure);
    }
}
