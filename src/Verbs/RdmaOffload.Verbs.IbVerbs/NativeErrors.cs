using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>Turns native return codes into <see cref="RdmaException"/>s.</summary>
internal static class NativeErrors
{
    /// <summary>Shim convention: a negative return value is <c>-errno</c>.</summary>
    internal static void ThrowIfNegative(int result, string operation)
    {
        if (result < 0)
        {
            Throw(operation, -result);
        }
    }

    /// <summary>libc convention: -1 with errno (captured with <c>SetLastError = true</c>).</summary>
    internal static void ThrowIfFailedWithErrno(int result, string operation)
    {
        if (result != 0)
        {
            Throw(operation, Marshal.GetLastPInvokeError());
        }
    }

    [DoesNotReturn]
    internal static void Throw(string operation, int errorNumber) => throw new RdmaException(operation, errorNumber);
}
