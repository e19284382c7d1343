namespace RdmaOffload.Protocol.Auth;

/// <summary>
/// Reads a shared secret from a file the operator provisioned: the file's bytes, without trailing whitespace.
/// Like an SSH private key, the file must not be readable by group or others.
/// </summary>
public static class SharedSecretFile
{
    /// <summary>Loads the secret; throws <see cref="InvalidDataException"/> with the reason when the file is unusable.</summary>
    public static byte[] Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"Shared secret file '{path}' does not exist.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new InvalidDataException($"Shared secret file '{path}' is accessible by group or others (mode {Convert.ToString((int)mode, 8)}); chmod 600 it.");
            }
        }

        var bytes = File.ReadAllBytes(path);
        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t')
        {
            length--;
        }

        if (length < SharedSecret.MinLength)
        {
            throw new InvalidDataException($"Shared secret file '{path}' holds {length} bytes; at least {SharedSecret.MinLength} are needed.");
        }

        return bytes[..length];
    }
}
