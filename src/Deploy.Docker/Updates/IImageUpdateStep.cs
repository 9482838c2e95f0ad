namespace Deploy.Docker.Updates;

/// <summary>One step of an image update, with its rollback (Calamari-style conventions run in order, rolled back in reverse).</summary>
internal interface IImageUpdateStep
{
    /// <summary>The step name recorded in the journal.</summary>
    string Name { get; }

    /// <summary>Does the step.</summary>
    Task ApplyAsync(UpdateContext context, CancellationToken cancellationToken);

    /// <summary>Undoes the step (must be idempotent: it may run after a partial apply).</summary>
    Task RollbackAsync(UpdateContext context, CancellationToken cancellationToken);
}
