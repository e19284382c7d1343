using FsCheck;
using FsCheck.Fluent;

namespace RdmaOffload.StaticFileServer.Tests;

internal static class Generators
{
    /// <summary>Lists of <paramref name="min"/> to <paramref name="max"/> items.</summary>
    public static Gen<List<T>> Between<T>(Gen<T> item, int min, int max) =>
        Gen.Choose(min, max).SelectMany(count => Gen.ListOf(item, count));
}
