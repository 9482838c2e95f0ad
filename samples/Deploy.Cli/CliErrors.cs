using System.CommandLine;
using Deploy.Cli.Output;
using Deploy.Core.Errors;

namespace Deploy.Cli;

/// <summary>
/// Turns SDK failures into a clear line on stderr and the documented exit code: 0 done; 1 failed while working (a
/// command, transfer, service or verification failed: see the message); 2 bad input (arguments, files, models,
/// templates, unknown services); 3 refused before anything changed (a precheck, a lock held by someone else, a config
/// or field-manager conflict, an os_release mismatch, a signature, hash or index that is not trusted, a busy agent);
/// 130 cancelled.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code: the work failed.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the input was wrong.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code: a check refused the operation before it changed anything.</summary>
    public const int Refused = 3;

    /// <summary>Exit code: cancelled (Ctrl+C), as a shell reports SIGINT.</summary>
    public const int Cancelled = 130;

    /// <summary>Runs a verb in the output mode its options ask for (<see cref="CliOutput"/>); a <see cref="DeployException"/>
    /// becomes a line on stderr (and, with <c>--output json</c>, an <c>error</c> document on stdout) and its exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Task<int>> action)
    {
        var output = CliOutput.Use(parse);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (DeployException e)
        {
            var where = string.Join(", ", new[] { ("service", e.Service), ("host", e.Host), ("path", e.Path) }.Where(f => f.Item2 is not null && !e.Message.Contains(f.Item2, StringComparison.Ordinal)).Select(f => $"{f.Item1}: {f.Item2}"));
            await Console.Error.WriteLineAsync($"error [{e.Code}]: {e.Message}{(where.Length == 0 ? "" : $" ({where})")}").ConfigureAwait(false);
            var exit = ExitCodeOf(e.Code);
            if (output.Json)
            {
                output.Result(new { Error = new { e.Code, e.Message, e.Service, e.Host, e.Path, ExitCode = exit } }, "");
            }

            return exit;
        }
    }

    /// <summary>The exit code for a failure with <paramref name="code"/>.</summary>
    public static int ExitCodeOf(DeployErrorCode code) => code switch
    {
        DeployErrorCode.InvalidArgument or DeployErrorCode.InvalidConfiguration or DeployErrorCode.LocalPathNotFound
            or DeployErrorCode.InputTooLarge or DeployErrorCode.PackageInvalid or DeployErrorCode.UnknownPackageType
            or DeployErrorCode.ModelInvalid or DeployErrorCode.ComponentUnknown or DeployErrorCode.ComposeFileInvalid
            or DeployErrorCode.ImageArchiveInvalid or DeployErrorCode.ComposeVariableUndefined
            or DeployErrorCode.ComposeTagShared or DeployErrorCode.KubeConfigInvalid or DeployErrorCode.ManifestInvalid
            or DeployErrorCode.ResourceUnknown or DeployErrorCode.UnknownService or DeployErrorCode.DependencyMissing
            or DeployErrorCode.DependencyCycle or DeployErrorCode.TemplateError or DeployErrorCode.ScheduleInvalid
            or DeployErrorCode.VersionNotFound or DeployErrorCode.ReleasePayloadMissing => BadInput,
        DeployErrorCode.LockHeld or DeployErrorCode.PrecheckFailed or DeployErrorCode.OsReleaseMismatch
            or DeployErrorCode.ProcessesRunning or DeployErrorCode.MergeConflict or DeployErrorCode.ApplyConflict
            or DeployErrorCode.SignatureInvalid or DeployErrorCode.ManifestMismatch or DeployErrorCode.UnsafeArchiveEntry
            or DeployErrorCode.HashMismatch or DeployErrorCode.IndexReplayed or DeployErrorCode.IndexExpired
            or DeployErrorCode.KeyRotationInvalid or DeployErrorCode.AgentBusy or DeployErrorCode.HostKeyUnknown
            or DeployErrorCode.HostKeyMismatch => Refused,
        DeployErrorCode.Cancelled => Cancelled,
        _ => Failed,
    };
}
