namespace RdmaOffload.Verbs.ManagedRoce;

/// <summary>Open managed-roce devices of this process, so a peer QP's UDP port can be found from its GID.</summary>
internal static class DeviceRegistry
{
    private static readonly Lock Gate = new();
    private static readonly List<ManagedRoceDevice> Devices = [];

    public static void Add(ManagedRoceDevice device)
    {
        lock (Gate)
        {
            Devices.Add(device);
        }
    }

    public static void Remove(ManagedRoceDevice device)
    {
        lock (Gate)
        {
            Devices.Remove(device);
        }
    }

    /// <summary>The port of the only open device with this GID; null when none or several have it.</summary>
    public static int? FindUniquePort(Gid gid)
    {
        lock (Gate)
        {
            int? port = null;
            foreach (var device in Devices)
            {
                if (device.LocalGid == gid)
                {
                    if (port is not null)
                    {
                        return null;
                    }

                    port = device.LocalEndPoint.Port;
                }
            }

            return port;
        }
    }
}
