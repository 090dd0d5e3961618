# Sourced by the syslog tests after lib.sh: a real rsyslog on loopback.
#   need_rsyslog             rsyslogd with its OpenSSL driver, or skip/fail
#   start_rsyslog TEMPLATE   CAs "good" and "other" (tlsca.sh); inputs UDP
#                            ($PU), plain TCP ($PT) and TLS ($PS, certificate
#                            from "good"); every message appended to
#                            $T/got.log as TEMPLATE (rsyslog properties)
. "$(dirname "$0")/tlsca.sh"

need_rsyslog() {
    need rsyslogd openssl
    [ -n "$(find /usr/lib -name lmnsd_ossl.so 2>/dev/null | head -1)" ] ||
        { [ "${AP_REQUIRE_CLIENTS:-0}" = 1 ] && fail "rsyslog-openssl missing"; echo "SKIP: rsyslog-openssl" >&2; exit 77; }
}

start_rsyslog() {
    make_ca "$T" good
    make_ca "$T" other
    PU=$(free_port); PT=$(free_port); PS=$(free_port)
    mkdir -p "$T/rs"
    cat >"$T/rsyslog.conf" <<CONF
global(workDirectory="$T/rs" maxMessageSize="64k"
       defaultNetstreamDriverCAFile="$T/good-ca.pem"
       defaultNetstreamDriverCertFile="$T/good-srv.pem"
       defaultNetstreamDriverKeyFile="$T/good-srv.key")
module(load="imudp")
module(load="imptcp")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1"
       streamDriver.authMode="anon")
input(type="imudp" address="127.0.0.1" port="$PU")
input(type="imptcp" address="127.0.0.1" port="$PT")
input(type="imtcp" address="127.0.0.1" port="$PS")
template(name="t" type="string" string="$1\n")
action(type="omfile" file="$T/got.log" template="t")
CONF
    rsyslogd -N1 -f "$T/rsyslog.conf" >"$T/rs-check.log" 2>&1 || { cat "$T/rs-check.log"; fail "rsyslog config"; }
    bg rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rs.pid"
    wait_port "$PT"
    wait_port "$PS"
}
