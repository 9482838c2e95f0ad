#!/usr/bin/perl
# host-upload-place.pl: places an upload: renames each temp onto its destination; a temp directory whose destination
# appeared meanwhile is merged into it. Then removes the bookkeeping directory and the owner mark.
# ARGV[0]: the list: NUL-terminated triples of temp path, destination, kind ("D" for a directory)
# ARGV[1]: the bookkeeping directory
# ARGV[2]: the owner mark
$/="\0"; open(L,"<",$ARGV[0]) or die "no list: $!\n";
sub merge { my ($s, $t) = @_; (-d $t && ! -l $t) or die "cannot place $t: it is not a directory\n"; require File::Find; require File::Path;
  File::Find::find({ no_chdir => 1, wanted => sub { my $p = $t . substr($File::Find::name, length $s);
    if (-d $_ && ! -l $_) { -d $p or mkdir($p) or die "cannot create $p: $!\n" } else { rename($_, $p) or die "cannot place $p: $!\n" } } }, $s);
  File::Path::remove_tree($s) }
while(defined(my $t=<L>)){ defined(my $d=<L>) or last; my $n=<L>; chop $t; chop $d; chop $n;
  if ($n eq "D") { rename($t, $d) or merge($t, $d) } elsif (length $d) { rename($t, $d) or die "cannot place $d: $!\n" } }
unlink("$ARGV[1]/list", "$ARGV[1]/done"); rmdir($ARGV[1]); unlink($ARGV[2])
