using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Planning;

/// <summary>What the plan does to one component, and every reason.</summary>
/// <param name="Component">The component.</param>
/// <param name="Action">The action.</param>
/// <param name="Reasons">Why, e.g. <c>/home/user/types/types.py changed (size 120 -> 133), ChangeEvent=Restart</c>.</param>
public sealed record ComponentDecision(string Component, ComponentAction Action, IReadOnlyList<string> Reasons);
