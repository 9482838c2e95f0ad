#!/usr/bin/perl
# host-upload-split.pl: extracts a large upload with two tars at once (see UploadFrames). Creating files is what a
# large first upload waits on at the target, and on a disk whose journal makes each create wait, two creators take
# little more than half the time of one. Reads frames from stdin: a tag byte and a 32-bit big-endian length, then
# that many bytes. "L": the layout's manifest, written whole to ARGV[0]/list before any file is created (a failed
# or killed upload's temps are found through it); then the two tars start. "0" and "1": the next bytes of tar
# stream 0 or 1 (each a whole archive, with its own end blocks). "E": the end; nothing after it is read.
# Each tar is fed as it is ready (non-blocking pipes, at most 8 MiB held), so a slow one never stalls the other.
# ARGV[0]: the bookkeeping directory (.../.deploy-up-ID), not yet existing
# Exit 0 when the end frame arrived and both tars succeeded; 2 otherwise (a cut stream, a malformed frame, a tar that
# failed or stopped reading), after both tars have exited.
use Fcntl;
my $b = $ARGV[0]; my @tar = ('tar', '-x', '-p', '--no-same-owner', '-f', '-', '-C', '/');
my ($in, @w, $end, $eof, $bad) = (''); my @q = ('', ''); my $held = 0;
sub start { mkdir($b) or die "cannot make $b: $!\n"; open(my $l, '>', "$b/list") or die "cannot write $b/list: $!\n";
  binmode $l; print $l $_[0] or die "cannot write $b/list: $!\n"; close($l) or die "cannot write $b/list: $!\n";
  for my $i (0, 1) { open($w[$i], '|-', @tar) or die "cannot start tar: $!\n"; binmode $w[$i];
    fcntl($w[$i], 1031, 1 << 20); # F_SETPIPE_SZ (Linux): fewer wakeups; elsewhere it fails and changes nothing
    fcntl($w[$i], F_SETFL, fcntl($w[$i], F_GETFL, 0) | O_NONBLOCK) or die "cannot set up a pipe: $!\n" }
  $SIG{PIPE} = 'IGNORE' } # after the tars start: an ignored SIGPIPE is inherited across exec
binmode STDIN;
while (1) {
  while (!$end && length($in) >= 5) {
    my ($t, $n) = unpack('a1 N', $in); last if length($in) < 5 + $n;
    if ($t eq 'L' && !@w) { start(substr($in, 5, $n)) }
    elsif ($t eq 'E' && @w) { $end = 1 }
    elsif (($t eq '0' || $t eq '1') && @w) { $q[$t] .= substr($in, 5, $n); $held += $n }
    else { $bad = "the upload stream is malformed"; last }
    substr($in, 0, 5 + $n, '') }
  last if $bad || (($end || $eof) && !$held);
  my ($r, $x) = ('', ''); vec($r, fileno(STDIN), 1) = 1 unless $end || $eof || $held >= 8 << 20;
  for (0, 1) { vec($x, fileno($w[$_]), 1) = 1 if length $q[$_] }
  next if select($r, $x, undef, undef) <= 0;
  if (vec($r, fileno(STDIN), 1)) { my $got = sysread(STDIN, $in, 1 << 20, length $in); $eof = 1 unless $got }
  for (0, 1) { next unless length $q[$_] && vec($x, fileno($w[$_]), 1);
    my $n = syswrite($w[$_], $q[$_], 1 << 20);
    if (defined $n) { substr($q[$_], 0, $n, ''); $held -= $n } elsif (!$!{EAGAIN}) { $bad = "an extracting tar stopped reading"; last } }
  last if $bad }
my $ok = !$bad && $end && @w;
for (@w) { close($_) or $ok = 0 }
print STDERR "$bad\n" if $bad; print STDERR "the upload stream was cut off before its end\n" if !$bad && !$end;
exit($ok ? 0 : 2);
