using System.CommandLine;
using Deploy.Cli.Output;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Docker.Updates;

namespace Deploy.Cli;

/// <summary>
/// `deploy docker plan|update --dir DIR ARCHIVE...`: update the images of a containerized console deployment (root
/// project + vicode/) from `docker save` archives, verified, with rollback.
/// </summary>
internal static class DockerCommands
{
    public static Command Create()
    {
        var docker = new Command("docker", "Update the images of a docker-compose deployment from image archives");
        docker.Subcommands.Add(Verb("plan", "Show what an update would load, edit and restart (changes nothing)", apply: false));
        docker.Subcommands.Add(Verb("update", "Load the archives, edit compose/.systemconfig, restart, verify; roll back on failure", apply: true));
        return docker;
    }

    private static Command Verb(string name, string description, bool apply)
    {
        var dir = new Option<string>("--dir") { Description = "The deployment directory on the target, e.g. /console/consolev4pvt-4.1.150431", Required = true };
        var archives = new Argument<string[]>("archives") { Description = "Image archives (docker save output: .tar, .tar.gz, .tar.xz, .tar.bz2 or .tar.zst)", Arity = ArgumentArity.OneOrMore };
        var script = new Option<string?>("--restart-script") { Description = "Restart with the deployment's own script (e.g. deploy.sh, run as 'deploy.sh restart') instead of compose up -d" };
        var host = new Option<string?>("--host") { Description = "The target: 'local' (default) or [user@]address[:port] over SSH (system OpenSSH, known_hosts checked)" };
        var identity = new Option<string?>("--identity", "-i") { Description = "SSH private key file" };
        var settle = new Option<int>("--settle-seconds") { Description = "How long new containers must stay up", DefaultValueFactory = _ => 10 };
        var command = new Command(name, description) { dir, archives, script, host, identity, settle };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, () => RunAsync(
            apply,
            parse.GetValue(dir)!,
            parse.GetValue(archives)!,
            parse.GetValue(script),
            parse.GetValue(host),
            parse.GetValue(identity),
            parse.GetValue(settle),
            ct)));
        return command;
    }

    private static async Task<int> RunAsync(bool apply, string dir, string[] archives, string? script, string? hostName, string? identity, int settle, CancellationToken ct)
    {
        await using var host = CreateHost(hostName, identity);
        var options = new ImageUpdateOptions
        {
            Directory = dir,
            Archives = archives.Select(Path.GetFullPath).ToList(),
            RestartScript = script,
            SettleTime = TimeSpan.FromSeconds(settle),
        };
        var update = new ImageUpdate(host, options);
        var plan = await update.PlanAsync(ct).ConfigureAwait(false);
        Console.Write(plan.ToText());
        if (!apply)
        {
            CliOutput.Current.Result(new { Host = host.Name, Services = plan.Services.Select(s => new { s.Service, s.ComposeFile, s.OldReference, s.NewReference }) }, "");
            return 0;
        }

        if (plan.Services.Count == 0)
        {
            CliOutput.Current.Result(new { Host = host.Name, Updated = Array.Empty<string>() }, "No service uses these images; nothing to do.");
            return 0;
        }

        var result = await ProgressViews.OperationAsync($"update images on {host.Name}", p => update.ApplyAsync(plan, p, ct)).ConfigureAwait(false);
        var text = new System.Text.StringBuilder($"Updated and verified on {host.Name}:\n");
        foreach (var (service, container) in result.Containers.Select(c => (c.Service, c.Container)))
        {
            text.Append($"  {service}: {container} runs the new image\n");
        }

        text.Append($"Original files kept in {result.BackupDirectory}");
        CliOutput.Current.Result(new { Host = host.Name, Updated = result.Containers.Select(c => new { c.Service, c.Container }), Backup = result.BackupDirectory }, text.ToString());
        return 0;
    }

    private static IHost CreateHost(string? name, string? identity)
    {
        if (name is null or "local" or "localhost")
        {
            return new LocalHost();
        }

        // [user@]address[:port]
        var at = name.LastIndexOf('@');
        var user = at > 0 ? name[..at] : null;
        var address = at > 0 ? name[(at + 1)..] : name;
        var port = 22;
        var colon = address.LastIndexOf(':');
        if (colon > 0 && int.TryParse(address[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p))
        {
            port = p;
            address = address[..colon];
        }

        return new SshHost(new SshHostOptions { Address = address, Port = port, User = user, IdentityFile = identity });
    }
}
