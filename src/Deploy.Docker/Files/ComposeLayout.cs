namespace Deploy.Docker.Files;

/// <summary>What a compose file says about its services' images: service names, <c>image:</c> sites, <c>extends</c>,
/// and every variable reference with its key.</summary>
internal sealed record ComposeLayout(
    IReadOnlyList<string> Services,
    IReadOnlyList<ComposeImageSite> Sites,
    IReadOnlyDictionary<string, ComposeExtends> Extends,
    IReadOnlyList<ComposeVariableUse> VariableUses)
{
    public static ComposeLayout Empty { get; } = new([], [], new Dictionary<string, ComposeExtends>(), []);
}

/// <summary>A service's <c>extends</c>: the service it extends and, when another file, that file's path as written.</summary>
/// <param name="Service">The extended service.</param>
/// <param name="File">The file as written in <c>extends.file</c> (relative to the extending file), or <c>null</c> for the same file.</param>
public sealed record ComposeExtends(string Service, string? File);

/// <summary>One reference to a variable in a compose file, e.g. <c>${TEMPORAL_VERSION}</c> in
/// <c>services.admin-tools.build.args.BASEIMAGE</c>.</summary>
/// <param name="Variable">The variable name.</param>
/// <param name="Key">The key path of the value, e.g. <c>services.n8n.image</c> or <c>services.x.environment[2]</c>.</param>
/// <param name="Line">1-based line of the value.</param>
/// <param name="Service">The service whose definition holds the value, or <c>null</c> outside <c>services</c>.</param>
public sealed record ComposeVariableUse(string Variable, string Key, int Line, string? Service);
