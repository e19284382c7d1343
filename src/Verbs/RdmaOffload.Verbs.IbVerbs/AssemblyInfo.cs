using System.Runtime.CompilerServices;

// Every native signature uses blittable types only; the source generator marshals nothing at run time.
[assembly: DisableRuntimeMarshalling]
