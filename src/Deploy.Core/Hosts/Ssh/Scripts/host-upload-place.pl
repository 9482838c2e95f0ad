#!/usr/bin/perl
# host-upload-place.pl: places an upload: renames each temp onto its destination. A temp directory whose destination
# is a directory already is merged into it: each of its entries is placed the same way, so a directory missing there
# appears whole (one rename) and files replace theirs one by one. An entry a rename cannot move (its destination is
# on another file system) is copied beside its destination (cp -p keeps the mode and the exact time) and renamed
# onto it. Then removes the bookkeeping directory and the owner mark.
# ARGV[0]: the list: NUL-terminated triples of temp path, destination, kind ("D" for a directory)
# ARGV[1]: the bookkeeping directory (.../.deploy-up-ID)
# ARGV[2]: the owner mark
$/="\0"; open(L,"<",$ARGV[0]) or die "no list: $!\n"; my $id = $ARGV[1] =~ s{.*/(\.deploy-up-)?}{}r; my $c = 0;
sub place { my ($s, $t) = @_; return if rename($s, $t); my $e = $!; my $exdev = $!{EXDEV}; # %! loads Errno only here ("use Errno" would cost every upload 3 ms or more)
  if (-d $s && ! -l $s) {
    if (-d $t && ! -l $t) { opendir(my $h, $s) or die "cannot read $s: $!\n";
      for my $n (readdir($h)) { place("$s/$n", "$t/$n") unless $n eq "." || $n eq ".." }
      closedir($h); rmdir($s) or die "cannot remove $s: $!\n"; return }
    die "cannot place $t: it is not a directory\n" if -e $t || -l $t }
  $exdev or die "cannot place $t: $e\n";
  (my $p = $t) =~ s{/[^/]*$}{/.deploy-tmp-$id-c$c}; $c++;
  system("cp", "-pR", "--", $s, $p) == 0 or do { system("rm", "-rf", "--", $p); die "cannot copy $t to its file system\n" };
  rename($p, $t) or die "cannot place $t: $!\n"; system("rm", "-rf", "--", $s) }
while(defined(my $t=<L>)){ defined(my $d=<L>) or last; my $n=<L>; chop $t; chop $d; place($t, $d) if length $d }
unlink("$ARGV[1]/list", "$ARGV[1]/done"); rmdir($ARGV[1]); unlink($ARGV[2])
