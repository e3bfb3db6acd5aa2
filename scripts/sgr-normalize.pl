#!/usr/bin/env perl
# Used by scripts/screenshots.sh on tmux captures before freeze renders them.
#
# Rewrites every SGR sequence as a full reset plus the complete current
# state, and repeats that state at the start of each line: tmux's
# capture-pane only emits attribute changes (a style carries over lines,
# 39/49/22 undo single attributes), which freeze does not follow.
my %s;
sub canon {
	my @p;
	push @p, 1 if $s{bold};
	push @p, 2 if $s{faint};
	push @p, 3 if $s{italic};
	push @p, 4 if $s{underline};
	push @p, 7 if $s{reverse};
	push @p, $s{fg} if defined $s{fg};
	push @p, $s{bg} if defined $s{bg};
	return "\e[0m" . (@p ? "\e[" . join(";", @p) . "m" : "");
}
sub apply {
	my @a = split /;/, $_[0], -1;
	@a = (0) unless @a;
	while (@a) {
		my $c = shift @a;
		my ($n, $sub) = split /:/, $c;
		$n = 0 if $n eq "";
		if ($n == 0) { %s = () }
		elsif ($n == 1) { $s{bold} = 1 }
		elsif ($n == 2) { $s{faint} = 1 }
		elsif ($n == 3) { $s{italic} = 1 }
		elsif ($n == 4) { $s{underline} = (defined $sub && $sub eq "0") ? 0 : 1 }
		elsif ($n == 7) { $s{reverse} = 1 }
		elsif ($n == 22) { $s{bold} = $s{faint} = 0 }
		elsif ($n == 23) { $s{italic} = 0 }
		elsif ($n == 24) { $s{underline} = 0 }
		elsif ($n == 27) { $s{reverse} = 0 }
		elsif (($n >= 30 && $n <= 37) || ($n >= 90 && $n <= 97)) { $s{fg} = $n }
		elsif ($n == 39) { delete $s{fg} }
		elsif (($n >= 40 && $n <= 47) || ($n >= 100 && $n <= 107)) { $s{bg} = $n }
		elsif ($n == 49) { delete $s{bg} }
		elsif ($n == 38 || $n == 48) {
			my $k = $n == 38 ? "fg" : "bg";
			my $m = shift @a;
			if ($m == 5) { $s{$k} = "$n;5;" . shift(@a) }
			elsif ($m == 2) { $s{$k} = "$n;2;" . join(";", splice(@a, 0, 3)) }
		}
	}
	return canon();
}
while (my $line = <>) {
	my $pre = canon();
	$line =~ s/\e\[([0-9;:]*)m/apply($1)/ge;
	print $pre . $line;
}
