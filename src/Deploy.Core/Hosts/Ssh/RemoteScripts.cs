namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The POSIX sh scripts behind <see cref="SshHost"/>'s file operations. Each runs as <c>/bin/sh -c script sh
/// args...</c>: paths and names arrive as positional parameters and are never spliced into script text. Exit 3
/// means "path not found" everywhere.
/// </summary>
internal static class RemoteScripts
{
    /// <summary>Exit code of a script when its path does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>$1 = job id. Kills every process whose environment holds DEPLOY_SSH_JOB=$1 (the job and all its descendants).</summary>
    public const string KillJob = """
        j=$1; i=0
        while [ $i -lt 20 ]; do
          p=$(grep -lsxzF "DEPLOY_SSH_JOB=$j" /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\([0-9]*\)/environ$#\1#p')
          [ -n "$p" ] || exit 0
          kill -KILL $p 2>/dev/null
          i=$((i+1)); sleep 0.05
        done
        """;

    /// <summary>Fields per entry of <see cref="Stat"/> and <see cref="ListTree"/> output, NUL-separated.</summary>
    public const string FindFormat = @"%y\0%s\0%T@\0%m\0%l\0";

    /// <summary>$1 = path. One entry, not following a final symlink.</summary>
    public const string Stat = """
        [ -e "$1" ] || [ -L "$1" ] || exit 3
        exec find "$1" -maxdepth 0 -printf '%y\0%s\0%T@\0%m\0%l\0'
        """;

    /// <summary>$1 = root. Every entry below it: relative path, then the <see cref="FindFormat"/> fields.</summary>
    public const string ListTree = """
        [ -d "$1" ] || exit 0
        exec find -H "$1" -mindepth 1 -printf '%P\0%y\0%s\0%T@\0%m\0%l\0'
        """;

    /// <summary>$1 = path. Prints one byte 'K' then the file, so "not found" is told apart from an empty file.</summary>
    public const string OpenRead = """
        [ -e "$1" ] || exit 3
        [ -d "$1" ] && { echo "'$1' is a directory" >&2; exit 4; }
        [ -r "$1" ] || { echo "'$1' is not readable" >&2; exit 5; }
        printf K
        exec cat -- "$1"
        """;

    /// <summary>
    /// $1 = destination, $2 = temp path beside it, $3 = parent directory, $4 = expected size, $5 = octal mode or
    /// empty (keep the existing file's mode, or 644), $6 = <c>@seconds.nanoseconds</c> or empty. stdin = content.
    /// The size check refuses a cut-off stream: a dropped connection ends stdin early, which is not success.
    /// </summary>
    public const string WriteFile = """
        mkdir -p -- "$3" || exit 1
        trap 'rm -f -- "$2"' EXIT
        trap 'exit 1' HUP INT TERM PIPE
        cat > "$2" || exit 1
        s=$(wc -c < "$2") || exit 1
        [ "$s" -eq "$4" ] || { echo "short write: $s of $4 bytes arrived" >&2; exit 4; }
        if [ -n "$5" ]; then m=$5; elif [ -f "$1" ]; then m=$(stat -c %a -- "$1") || exit 1; else m=644; fi
        chmod "$m" -- "$2" || exit 1
        [ -z "$6" ] || touch -m -d "$6" -- "$2" || exit 1
        sync -- "$2" 2>/dev/null || sync
        mv -fT -- "$2" "$1" || exit 1
        trap - EXIT
        """;

    /// <summary>$1 = directory, $2 = octal mode or empty.</summary>
    public const string CreateDirectory = """
        mkdir -p -- "$1" || exit 1
        [ -z "$2" ] || chmod "$2" -- "$1"
        """;

    /// <summary>$1 = source, $2 = destination, $3 = 1 to replace an existing destination.</summary>
    public const string Move = """
        [ -e "$1" ] || [ -L "$1" ] || exit 3
        if [ "$3" != 1 ] && { [ -e "$2" ] || [ -L "$2" ]; }; then echo "'$2' already exists" >&2; exit 5; fi
        exec mv -fT -- "$1" "$2"
        """;

    /// <summary>$1 = path, $2 = 1 for recursive.</summary>
    public const string Remove = """
        if [ "$2" = 1 ]; then exec rm -rf -- "$1"; fi
        if [ -d "$1" ] && [ ! -L "$1" ]; then exec rmdir -- "$1"; fi
        exec rm -f -- "$1"
        """;

    /// <summary>$1 = link path, $2 = target, $3 = parent directory, $4 = temp path beside the link.</summary>
    public const string CreateSymlink = """
        mkdir -p -- "$3" || exit 1
        ln -sfn -- "$2" "$4" || exit 1
        mv -fT -- "$4" "$1" || { rm -f -- "$4"; exit 1; }
        """;

    /// <summary>$1 = path, $2 = octal mode.</summary>
    public const string SetMode = """
        [ -e "$1" ] || [ -L "$1" ] || exit 3
        exec chmod "$2" -- "$1"
        """;

    /// <summary>$1 = path, $2 = owner[:group].</summary>
    public const string SetOwner = """
        [ -e "$1" ] || [ -L "$1" ] || exit 3
        exec chown -h -- "$2" "$1"
        """;

    /// <summary>Prints os-release.</summary>
    public const string OsRelease = "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null || true";

    /// <summary>
    /// $1 = name|cmd|pidfile, $2 = the name / a space-free piece of the command line / the pid file. Prints
    /// <c>pid NUL comm NUL cmdline NUL</c> per live (non-zombie) process; the caller filters command lines exactly.
    /// </summary>
    public const string FindProcesses = """
        e() {
          d=/proc/$1
          IFS= read -r c < "$d/comm" 2>/dev/null || return 0
          IFS= read -r st < "$d/stat" 2>/dev/null || return 0
          st=${st##*) }
          [ "${st%% *}" = Z ] && return 0
          printf '%s\0%s\0' "$1" "$c"
          tr '\0' ' ' < "$d/cmdline" 2>/dev/null
          printf '\0'
        }
        case $1 in
          name)
            for d in /proc/[0-9]*; do
              p=${d#/proc/}; [ "$p" = "$$" ] && continue
              IFS= read -r c < "$d/comm" 2>/dev/null || continue
              [ "$c" = "$2" ] && e "$p"
            done ;;
          cmd)
            for f in $(grep -lsaF -e "$2" /proc/[0-9]*/cmdline 2>/dev/null); do
              p=${f#/proc/}; p=${p%/cmdline}; [ "$p" = "$$" ] || e "$p"
            done ;;
          pidfile)
            IFS= read -r p < "$2" 2>/dev/null || exit 0
            case $p in ''|*[!0-9]*) exit 0 ;; esac
            e "$p" ;;
        esac
        exit 0
        """;

    /// <summary>
    /// $1 = a prefix, then directories, each written without that prefix (a shared prefix travels once: every byte of a
    /// command costs a read(2) on the remote shell). Prints, one line each, how many trailing components of it do not
    /// exist (0: it exists as a directory); see <see cref="UploadLayout"/>.
    /// </summary>
    public const string MissingLevels = """
        r=$1; shift
        for d; do
          n=0; p=$r$d
          while [ -n "$p" ] && [ ! -d "$p" ]; do p=${p%/*}; n=$((n+1)); done
          echo $n
        done
        """;

    /// <summary>
    /// Upload. $1 = bookkeeping directory (<c>.../.deploy-up-ID</c>), $2 = <c>auto</c> (perl places the files, else
    /// mv) or <c>sh</c> (mv). The tar stream carries the exact times (pax headers), so tar sets them. stdin = a tar
    /// stream for <c>-C /</c> whose first entry is <c>$1/list</c>, the <see cref="UploadLayout"/> manifest, followed
    /// by the files at their temp paths (on the destination's file system) and a last, empty <c>$1/done</c> entry that
    /// marks the stream complete. Only after the whole stream
    /// arrived is anything placed: temp files are renamed onto their destinations, temp directories onto the missing
    /// directories they stand for (merged into one that appeared meanwhile). On failure the temps are removed; if
    /// this script is killed outright, the next upload to the same bookkeeping parent removes them (the owner pid is
    /// in the name of its owner mark <c>.deploy-own-ID.PID</c>, made before the bookkeeping directory exists, so a
    /// concurrent upload to the same parent never mistakes a starting upload for a dead one). Nothing but shell
    /// builtins runs before tar.
    /// </summary>
    public const string Upload = """
        b=$1; m=$2; u=${b%/*}
        unlist() {
          [ -f "$1/list" ] || return 0
          if command -v perl >/dev/null 2>&1; then
            perl -e '$/="\0"; open(L,"<",$ARGV[0]) or exit 0; while(defined(my $t=<L>)){ my $d=<L>; my $n=<L>; chop $t; if (defined $n && $n eq "D\0") { require File::Path; File::Path::remove_tree($t) } else { unlink $t } }' "$1/list"
          else
            xargs -0 -n 3 sh -c 'rm -rf -- "$1"' sh < "$1/list"
          fi
        }
        alive() {
          [ -n "$1" ] || return 1
          if [ -d /proc/self ]; then
            IFS= read -r st < "/proc/$1/stat" 2>/dev/null || return 1
            st=${st##*) }; [ "${st%% *}" != Z ]
          else
            kill -0 "$1" 2>/dev/null
          fi
        }
        for o in "$u"/.deploy-own-*; do
          [ -f "$o" ] || continue
          op=${o##*.}; i=${o##*/.deploy-own-}; i=${i%.*}
          alive "$op" && continue
          unlist "$u/.deploy-up-$i"; rm -rf -- "$u/.deploy-up-$i" "$o"
        done
        for o in "$u"/.deploy-up-*; do
          [ -d "$o" ] && [ "$o" != "$b" ] || continue
          for w in "$u/.deploy-own-${o##*/.deploy-up-}".*; do [ -f "$w" ] && continue 2; done
          op=; IFS= read -r op < "$o/pid" 2>/dev/null; alive "$op" && continue
          unlist "$o"; rm -rf -- "$o"
        done
        [ -d "$u" ] || mkdir -p -- "$u" || exit 1
        w=$u/.deploy-own-${b##*/.deploy-up-}.$$
        : > "$w" || exit 1
        ok=
        trap '[ -n "$ok" ] || unlist "$b"; if [ -e "$b" ] || [ -e "$w" ]; then rm -rf -- "$b" "$w"; fi' EXIT
        trap 'exit 1' HUP INT TERM PIPE
        tar -x -p --no-same-owner -f - -C / || exit 2
        [ -f "$b/done" ] || { echo "the upload stream was cut off before its end" >&2; exit 2; }
        if [ "$m" != sh ] && command -v perl >/dev/null 2>&1; then
          perl -e '$/="\0"; open(L,"<",$ARGV[0]) or die "no list: $!\n";
        sub merge { my ($s, $t) = @_; (-d $t && ! -l $t) or die "cannot place $t: it is not a directory\n"; require File::Find; require File::Path;
          File::Find::find({ no_chdir => 1, wanted => sub { my $p = $t . substr($File::Find::name, length $s);
            if (-d $_ && ! -l $_) { -d $p or mkdir($p) or die "cannot create $p: $!\n" } else { rename($_, $p) or die "cannot place $p: $!\n" } } }, $s);
          File::Path::remove_tree($s) }
        while(defined(my $t=<L>)){ defined(my $d=<L>) or last; my $n=<L>; chop $t; chop $d; chop $n;
          if ($n eq "D") { rename($t, $d) or merge($t, $d) } elsif (length $d) { rename($t, $d) or die "cannot place $d: $!\n" } }
        unlink("$ARGV[1]/list", "$ARGV[1]/done"); rmdir($ARGV[1]); unlink($ARGV[2])' "$b/list" "$b" "$w" || exit 3
        else
          xargs -0 -n 3 sh -c '
            if [ "$3" != D ]; then mv -fT -- "$1" "$2" || exit 255; exit 0; fi
            mv -T -- "$1" "$2" 2>/dev/null && exit 0
            [ -d "$2" ] && [ ! -L "$2" ] || { echo "cannot place $2: it is not a directory" >&2; exit 255; }
            find "$1" ! -type d -exec sh -c '"'"'s=$1; t=$2; shift 2; for f; do p=$t${f#"$s"}; mkdir -p -- "${p%/*}" && mv -fT -- "$f" "$p" || exit 1; done'"'"' sh "$1" "$2" {} + || exit 255
            rm -rf -- "$1"' sh < "$b/list" || exit 3
        fi
        ok=1
        """;
}
