using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Lifecycle.Templates;

/// <summary>
/// Renders everything of one service for one host: its config templates (read from the service folder), its config
/// target paths, its component's file targets, service commands and working directories, its hooks, and its
/// <c>kubernetes:</c> manifests.
/// </summary>
public static class ServiceRenderer
{
    /// <summary>Renders <see cref="RenderContext.Service"/> for <see cref="RenderContext.Host"/>.</summary>
    public static async Task<RenderedService> RenderAsync(RenderContext context, ISecretStore secrets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secrets);
        var service = context.Service;
        var where = service.SourceFile.Length > 0 ? service.SourceFile : service.Name + "/service.yaml";
        var allSecrets = new List<string>();

        async Task<string> Text(string template, string field)
        {
            var r = await TemplateRenderer.RenderAsync(template, $"{where}#{field}", context, secrets, cancellationToken).ConfigureAwait(false);
            allSecrets.AddRange(r.Secrets);
            return r.Text;
        }

        var configs = new List<RenderedConfig>();
        for (var i = 0; i < service.Configs.Count; i++)
        {
            var config = service.Configs[i];
            var file = Path.Combine(service.Directory, config.Source);
            var content = await TemplateRenderer.RenderAsync(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), file, context, secrets, cancellationToken).ConfigureAwait(false);
            allSecrets.AddRange(content.Secrets);
            configs.Add(new RenderedConfig(config, await Text(config.Target, $"configs[{i}].target").ConfigureAwait(false), content));
        }

        var manifests = new List<RenderedManifest>();
        foreach (var m in service.Kubernetes?.Manifests ?? [])
        {
            var file = Path.Combine(service.Directory, m);
            var content = await TemplateRenderer.RenderAsync(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), file, context, secrets, cancellationToken).ConfigureAwait(false);
            allSecrets.AddRange(content.Secrets);
            manifests.Add(new RenderedManifest(m, content));
        }

        var files = new List<ComponentFile>();
        for (var i = 0; i < service.Component.Files.Count; i++)
        {
            var f = service.Component.Files[i];
            files.Add(f with { TargetPath = await Text(f.TargetPath, $"component.files[{i}].target").ConfigureAwait(false) });
        }

        var services = new List<Service>();
        for (var i = 0; i < service.Component.Services.Count; i++)
        {
            var s = service.Component.Services[i];
            services.Add(s with
            {
                Command = await Text(s.Command, $"component.services[{i}].command").ConfigureAwait(false),
                WorkingDirectory = s.WorkingDirectory is null ? null : await Text(s.WorkingDirectory, $"component.services[{i}].workingDirectory").ConfigureAwait(false),
            });
        }

        var hooks = new Dictionary<HookKind, ServiceHook>();
        foreach (var (kind, hook) in service.Hooks.OrderBy(h => h.Key))
        {
            var field = "hooks." + kind.ToString().ToLowerInvariant();
            hooks[kind] = hook with
            {
                Command = await Text(hook.Command, field + ".command").ConfigureAwait(false),
                WorkingDirectory = hook.WorkingDirectory is null ? null : await Text(hook.WorkingDirectory, field + ".workingDirectory").ConfigureAwait(false),
            };
        }

        var component = service.Component with { Files = files, Services = services };
        return new RenderedService(service, context.Host.Name, component, configs, hooks) { Manifests = manifests, Secrets = allSecrets.Distinct(StringComparer.Ordinal).ToList() };
    }
}
