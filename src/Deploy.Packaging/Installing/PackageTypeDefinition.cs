using Deploy.Packaging.Model;

namespace Deploy.Packaging.Installing;

/// <summary>A package type known to a <see cref="PackageTypeRegistry"/>.</summary>
/// <param name="Type">The type.</param>
/// <param name="Component">The folder it installs into under the install base, e.g. <c>agent</c>.</param>
/// <param name="Strategy">How it is installed.</param>
/// <param name="Description">One line for help texts.</param>
public sealed record PackageTypeDefinition(PackageType Type, string Component, IPackageInstallStrategy Strategy, string Description);
