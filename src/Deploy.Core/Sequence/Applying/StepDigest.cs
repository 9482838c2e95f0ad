using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// A short digest of what a plan step does (its service definition, files with size, mtime and mode, paths, delay),
/// part of the step's journal name: an apply resumes an interrupted one step by step only when the re-computed plan
/// has exactly the same steps, so a completed step is never skipped for a step that would now do something else.
/// </summary>
/// <remarks>
/// The digest is the first 8 hex digits of SHA-256 over UTF-8 fields, each followed by a NUL: kind, component,
/// service kind, command, working directory, error handling, delay; then per file its local path, target path,
/// size, mtime ticks and mode (decimal), NUL-separated; then each path. Journals written by earlier versions name
/// their steps with it, so the bytes never change. They are encoded into one pooled buffer and hashed a buffer at a
/// time: a first deploy's transfer step lists 10,000 files, and a string, a byte array and a hash call per file
/// cost more than the rest of the step's set-up.
/// </remarks>
internal static class StepDigest
{
    public static string Of(PlanStep step)
    {
        using var writer = new Writer();
        writer.Add(step.Kind.ToString());
        writer.Add(step.Component);
        writer.Add(step.Service?.Kind.ToString());
        writer.Add(step.Service?.Command);
        writer.Add(step.Service?.WorkingDirectory);
        writer.Add(step.ErrorHandling.ToString());
        writer.Add(step.DelayMs);
        foreach (var f in step.Files ?? [])
        {
            writer.Add(f.LocalPath);
            writer.Add(f.TargetPath);
            writer.Add(f.Size);
            writer.Add(f.ModifiedUtcTicks);
            writer.Add((int)f.Mode);
        }

        foreach (var p in step.Paths ?? [])
        {
            writer.Add(p);
        }

        return writer.Hex8();
    }

    /// <summary>UTF-8 fields, each followed by a NUL, hashed a pooled buffer at a time.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int _used;

        public void Add(string? text)
        {
            var value = (text ?? "").AsSpan();
            var most = Encoding.UTF8.GetMaxByteCount(value.Length) + 1;
            Reserve(most);
            if (most > _buffer.Length)
            {
                _hash.AppendData(Encoding.UTF8.GetBytes(text + "\0"));
                return;
            }

            _used += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_used));
            _buffer[_used++] = 0;
        }

        public void Add(long value)
        {
            Reserve(21);
            _ = value.TryFormat(_buffer.AsSpan(_used), out var written, default, CultureInfo.InvariantCulture);
            _used += written;
            _buffer[_used++] = 0;
        }

        public string Hex8()
        {
            Flush();
            return Convert.ToHexString(_hash.GetHashAndReset())[..8].ToLowerInvariant();
        }

        public void Dispose()
        {
            _hash.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        /// <summary>Hashes what the buffer holds when <paramref name="bytes"/> more would not fit.</summary>
        private void Reserve(int bytes)
        {
            if (_used + bytes > _buffer.Length)
            {
                Flush();
            }
        }

        private void Flush()
        {
            _hash.AppendData(_buffer, 0, _used);
            _used = 0;
        }
    }
}
