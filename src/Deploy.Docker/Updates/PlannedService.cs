namespace Deploy.Docker.Updates;

/// <summary>A compose service whose image changes.</summary>
/// <param name="ProjectDirectory">The compose project directory on the target.</param>
/// <param name="ComposeFile">The compose file that defines the service's effective <c>image:</c> (an override, an extended file).</param>
/// <param name="Service">The service name.</param>
/// <param name="OldReference">The effective image reference before the update.</param>
/// <param name="NewReference">The image reference after the update.</param>
/// <param name="NewImageId">The image ID the service's containers must run after the update.</param>
public sealed record PlannedService(string ProjectDirectory, string ComposeFile, string Service, string OldReference, string NewReference, string NewImageId)
{
    /// <summary>The project's compose files in compose's order, relative to <see cref="ProjectDirectory"/> (what
    /// <c>compose -f ... up</c> is given when no container records them); <value>empty by default: only
    /// <see cref="ComposeFile"/></value>.</summary>
    public IReadOnlyList<string> ProjectFiles { get; init; } = [];
}
