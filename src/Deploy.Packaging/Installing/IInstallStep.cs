namespace Deploy.Packaging.Installing;

/// <summary>
/// One step of an install, with its undo. The installer runs steps in order, records each completed step in the
/// journal on the target, and on a failure rolls back the completed steps in reverse order, so the previous install
/// stays intact. A step's rollback must work from the journal alone (after a crash the package may be gone).
/// </summary>
public interface IInstallStep
{
    /// <summary>A short name used in the journal and in errors, e.g. <c>rpm -Uvh</c>.</summary>
    string Name { get; }

    /// <summary>Does the step.</summary>
    Task ApplyAsync(InstallContext context, CancellationToken cancellationToken);

    /// <summary>Undoes the step: after it completed, or after it failed half-way (so it must tolerate partial work).</summary>
    Task RollbackAsync(InstallContext context, CancellationToken cancellationToken);

    /// <summary>Drops what was kept for a rollback, once every step succeeded.</summary>
    Task CommitAsync(InstallContext context, CancellationToken cancellationToken);
}
