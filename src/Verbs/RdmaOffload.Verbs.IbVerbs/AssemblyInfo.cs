using System.Runtime.CompilerServices;

// Every native signature uses blittable types only; the source generator marshals nothing at run time.
[assembly: DisableRuntimeMarshalling]

// stackalloc'd native structs are either filled by the native call or explicitly initialised
// before use, so zeroing them first is wasted work on the data path.
[module: SkipLocalsInit]
