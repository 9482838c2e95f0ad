namespace Deploy.Docker.Files;

/// <summary>
/// One <c>image:</c> scalar in a compose file and the services that use it (several when it sits in an anchored
/// block that services merge with <c>&lt;&lt;: *alias</c>, or is an anchored scalar services alias).
/// </summary>
/// <param name="Value">The scalar's value, e.g. <c>encoo/console-web-v4-pvt:4.1.1</c> or <c>encoo/x:${TAG}</c>.</param>
/// <param name="Start">Character offset of the value text (inside the quotes when quoted).</param>
/// <param name="Length">Length of the value text.</param>
/// <param name="Quote">The quote character, or <c>null</c> for a plain scalar.</param>
/// <param name="Line">1-based line number of the scalar.</param>
/// <param name="Services">The services whose effective image is this scalar (empty for an unused template).</param>
public sealed record ComposeImageSite(string Value, int Start, int Length, char? Quote, int Line, IReadOnlyList<string> Services);
