#!/usr/bin/perl
# host-upload-unlist.pl: removes the temps an upload's list names: temp files, and temp directories with their contents.
# ARGV[0]: the list: NUL-terminated triples of temp path, destination, kind ("D" for a directory)
$/="\0"; open(L,"<",$ARGV[0]) or exit 0; while(defined(my $t=<L>)){ my $d=<L>; my $n=<L>; chop $t; if (defined $n && $n eq "D\0") { require File::Path; File::Path::remove_tree($t) } else { unlink $t } }
