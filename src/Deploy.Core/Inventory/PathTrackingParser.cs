using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Deploy.Core.Inventory;

/// <summary>
/// Wraps YamlDotNet's parser to remember where it is (the last event's position and the mapping keys leading to
/// it), so that errors raised while loading (duplicate keys, or scanner failures that carry no position) can
/// still name a line and a field.
/// </summary>
internal sealed class PathTrackingParser : IParser
{
    private readonly IParser _inner;
    private readonly List<Frame> _stack = [];
    private readonly Dictionary<(long Line, long Column), string> _keyPaths = [];

    public PathTrackingParser(IParser inner) => _inner = inner;

    public ParsingEvent? Current => _inner.Current;

    /// <summary>Where the last event started.</summary>
    public Mark LastMark { get; private set; } = Mark.Empty;

    /// <summary>The dotted mapping keys leading to the last event, e.g. <c>hosts.web-1.port</c>.</summary>
    public string Path => string.Join('.', _stack.Where(f => f.Key is not null).Select(f => f.Key));

    /// <summary>The dotted path of the mapping key that starts at <paramref name="mark"/>, if one does.</summary>
    public string? KeyPathAt(Mark mark) => _keyPaths.TryGetValue((mark.Line, mark.Column), out var path) ? path : null;

    public bool MoveNext()
    {
        if (!_inner.MoveNext())
        {
            return false;
        }

        var e = _inner.Current!;
        LastMark = e.Start;
        switch (e)
        {
            case MappingStart:
            case SequenceStart:
                BeginNode(null);
                _stack.Add(new Frame(e is MappingStart));
                break;
            case MappingEnd:
            case SequenceEnd:
                if (_stack.Count > 0)
                {
                    _stack.RemoveAt(_stack.Count - 1);
                }

                EndNode();
                break;
            case Scalar s:
                BeginNode(s.Value);
                EndNode();
                break;
            case AnchorAlias:
                BeginNode(null);
                EndNode();
                break;
        }

        return true;
    }

    private void BeginNode(string? scalar)
    {
        if (_stack.Count > 0 && _stack[^1] is { IsMapping: true, ExpectKey: true } top)
        {
            top.Key = scalar ?? "?";
            top.InKey = true;
            _keyPaths[(LastMark.Line, LastMark.Column)] = Path;
        }
    }

    private void EndNode()
    {
        if (_stack.Count > 0 && _stack[^1] is { IsMapping: true } top)
        {
            // A finished key means a value comes next; a finished value means a key comes next.
            top.ExpectKey = !top.InKey;
            top.InKey = false;
        }
    }

    private sealed class Frame(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;

        public bool ExpectKey { get; set; } = true;

        public bool InKey { get; set; }

        public string? Key { get; set; }
    }
}
