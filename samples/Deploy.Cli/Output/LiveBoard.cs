using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Deploy.Cli.Output;

/// <summary>The state of one row of a <see cref="LiveBoard"/>.</summary>
internal enum RowState
{
    /// <summary>Not started.</summary>
    Waiting,
    /// <summary>Running (a spinner turns).</summary>
    Running,
    /// <summary>Finished well.</summary>
    Done,
    /// <summary>Failed.</summary>
    Failed,
    /// <summary>Left alone (e.g. not run after a rollout halted).</summary>
    Skipped,
}

/// <summary>
/// A live status table for long work on a terminal (Spectre.Console's <c>Live</c> display): one row per host, service
/// or step with a spinner while it runs, its elapsed time and its latest detail; a transfer bar (bytes and files); a
/// headline. Progress adapters (<see cref="ProgressViews"/>) update it from any thread; a ticker redraws it ten times
/// a second. When the work ends, the final table stays on screen and the notes (warnings, failures, test results)
/// are printed below it. Only used when <see cref="CliOutput.Interactive"/>; redirected output gets plain lines.
/// </summary>
internal sealed class LiveBoard
{
    private static readonly string[] Spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private readonly object _gate = new();
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, Row> _byKey = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _headline;
    private Transfer? _transfer;
    private bool _finished;

    private LiveBoard(string title) => _headline = title;

    /// <summary>Runs <paramref name="work"/> with a live board drawn on the terminal.</summary>
    public static async Task<T> RunAsync<T>(string title, Func<LiveBoard, Task<T>> work)
    {
        var board = new LiveBoard(title);
        T result = default!;
        try
        {
            await AnsiConsole.Live(board.Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Top)
                .StartAsync(async ctx =>
                {
                    using var stop = new CancellationTokenSource();
                    var ticker = TickAsync(board, ctx, stop.Token);
                    try
                    {
                        result = await work(board).ConfigureAwait(false);
                    }
                    finally
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                        await ticker.ConfigureAwait(false);
                        board.Finish();
                        ctx.UpdateTarget(board.Render());
                    }
                }).ConfigureAwait(false);
        }
        finally
        {
            board.PrintNotes();
        }

        return result;
    }

    /// <summary>Sets the line above the table.</summary>
    public void Headline(string text)
    {
        lock (_gate)
        {
            _headline = text;
        }
    }

    /// <summary>Adds or updates the row <paramref name="key"/>.</summary>
    public void Set(string key, RowState state, string? detail = null)
    {
        lock (_gate)
        {
            if (!_byKey.TryGetValue(key, out var row))
            {
                row = new Row(key);
                _byKey[key] = row;
                _rows.Add(row);
            }

            if (state == RowState.Running && row.State != RowState.Running)
            {
                row.Started = _clock.Elapsed;
            }

            if (state is RowState.Done or RowState.Failed or RowState.Skipped && row.State == RowState.Running)
            {
                row.Ended = _clock.Elapsed;
            }

            row.State = state;
            row.Detail = detail ?? row.Detail;
        }
    }

    /// <summary>Updates the detail of row <paramref name="key"/> (created as running if new).</summary>
    public void Detail(string key, string detail)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var row))
            {
                row.Detail = detail;
                return;
            }
        }

        Set(key, RowState.Running, detail);
    }

    /// <summary>A line kept for after the live display (warnings, failures, results).</summary>
    public void Note(string line)
    {
        lock (_gate)
        {
            _notes.Add(line);
        }
    }

    /// <summary>Shows a transfer's progress.</summary>
    public void TransferProgress(long bytesDone, long bytesTotal, int filesDone, int filesTotal)
    {
        lock (_gate)
        {
            _transfer = new Transfer(bytesDone, bytesTotal, filesDone, filesTotal);
        }
    }

    private static async Task TickAsync(LiveBoard board, LiveDisplayContext ctx, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ctx.UpdateTarget(board.Render());
            try
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Finish()
    {
        lock (_gate)
        {
            _finished = true;
            foreach (var row in _rows.Where(r => r.State == RowState.Running))
            {
                row.State = RowState.Skipped;
                row.Ended = _clock.Elapsed;
                row.Detail = "interrupted";
            }
        }
    }

    private void PrintNotes()
    {
        lock (_gate)
        {
            foreach (var note in _notes)
            {
                Console.Out.WriteLine(note);
            }
        }
    }

    private IRenderable Render()
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn(new TableColumn(" ").Width(1).NoWrap());
            table.AddColumn(new TableColumn("STEP").NoWrap());
            table.AddColumn(new TableColumn("STATE").NoWrap());
            table.AddColumn(new TableColumn("TIME").RightAligned().NoWrap());
            table.AddColumn(new TableColumn("DETAIL"));
            foreach (var row in _rows)
            {
                var elapsed = row.Started is { } s ? (row.Ended ?? now) - s : (TimeSpan?)null;
                table.AddRow(
                    new Markup(Icon(row.State, now)),
                    new Text(row.Key),
                    new Markup(StateText(row.State)),
                    new Text(elapsed is { } e ? e.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s" : ""),
                    new Text(row.Detail ?? "").Overflow(Overflow.Ellipsis));
            }

            var done = _rows.Count(r => r.State is RowState.Done);
            var failed = _rows.Count(r => r.State is RowState.Failed);
            var head = new Markup($"[bold]{Markup.Escape(_headline)}[/]  [grey]{done}/{_rows.Count} done{(failed > 0 ? $", [red]{failed} failed[/]" : "")}, {now.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s{(_finished ? "" : " " + Spinner[(int)(now.TotalMilliseconds / 100) % Spinner.Length])}[/]");
            var parts = new List<IRenderable> { head };
            if (_transfer is { } t)
            {
                parts.Add(new Markup(Markup.Escape(TransferLine(t))));
            }

            parts.Add(table);
            return new Rows(parts);
        }
    }

    private static string TransferLine(Transfer t)
    {
        const int width = 30;
        var fraction = t.BytesTotal > 0 ? Math.Clamp((double)t.BytesDone / t.BytesTotal, 0, 1) : t.FilesTotal > 0 ? (double)t.FilesDone / t.FilesTotal : 0;
        var filled = (int)Math.Round(fraction * width);
        return string.Create(CultureInfo.InvariantCulture, $"transfer [{new string('#', filled)}{new string('-', width - filled)}] {fraction * 100,3:0}%  {t.BytesDone / 1048576.0:0.0}/{t.BytesTotal / 1048576.0:0.0} MiB, {t.FilesDone}/{t.FilesTotal} files");
    }

    private static string Icon(RowState state, TimeSpan now) => state switch
    {
        RowState.Running => "[yellow]" + Spinner[(int)(now.TotalMilliseconds / 100) % Spinner.Length] + "[/]",
        RowState.Done => "[green]✓[/]",
        RowState.Failed => "[red]✗[/]",
        RowState.Skipped => "[grey]-[/]",
        _ => "[grey]·[/]",
    };

    private static string StateText(RowState state) => state switch
    {
        RowState.Running => "[yellow]running[/]",
        RowState.Done => "[green]done[/]",
        RowState.Failed => "[red]failed[/]",
        RowState.Skipped => "[grey]skipped[/]",
        _ => "[grey]waiting[/]",
    };

    private sealed class Row(string key)
    {
        public string Key { get; } = key;

        public RowState State { get; set; }

        public string? Detail { get; set; }

        public TimeSpan? Started { get; set; }

        public TimeSpan? Ended { get; set; }
    }

    private sealed record Transfer(long BytesDone, long BytesTotal, int FilesDone, int FilesTotal);
}
