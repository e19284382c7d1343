namespace RdmaOffload.Verbs;

/// <summary>A verbs call failed (not a work completion error: those are values).</summary>
public class RdmaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RdmaException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RdmaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RdmaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed native call with its errno.</summary>
    public RdmaException(string operation, int errorNumber)
        : base($"{operation} failed: errno {errorNumber} ({Enum.GetName(typeof(Errno), errorNumber) ?? "?"})")
    {
        ErrorNumber = errorNumber;
    }

    /// <summary>The errno of the failed call, or 0.</summary>
    public int ErrorNumber { get; }

    /// <summary>Common errno values the verbs return.</summary>
    private enum Errno
    {
        EPERM = 1,
        ENOENT = 2,
        EINTR = 4,
        EIO = 5,
        EAGAIN = 11,
        ENOMEM = 12,
        EACCES = 13,
        EFAULT = 14,
        EBUSY = 16,
        EEXIST = 17,
        ENODEV = 19,
        EINVAL = 22,
        ENOSPC = 28,
        ENOSYS = 38,
        EOPNOTSUPP = 95,
        EADDRINUSE = 98,
        EADDRNOTAVAIL = 99,
        ENETUNREACH = 101,
        ECONNRESET = 104,
        ETIMEDOUT = 110,
        ECONNREFUSED = 111,
    }
}
