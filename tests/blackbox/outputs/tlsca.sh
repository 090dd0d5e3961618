# Sourced by tests: make_ca DIR NAME makes DIR/NAME-ca.pem and a server
# certificate DIR/NAME-srv.pem + DIR/NAME-srv.key for localhost/127.0.0.1
# signed by it.
make_ca() {
    local d=$1 n=$2
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$n test CA" \
        -keyout "$d/$n-ca.key" -out "$d/$n-ca.pem" 2>/dev/null || fail "CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$d/$n-srv.key" -out "$d/$n-srv.csr" 2>/dev/null || fail "CSR"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/$n-ext.cnf"
    openssl x509 -req -in "$d/$n-srv.csr" -CA "$d/$n-ca.pem" -CAkey "$d/$n-ca.key" \
        -CAcreateserial -days 2 -extfile "$d/$n-ext.cnf" -out "$d/$n-srv.pem" \
        2>/dev/null || fail "server certificate"
}

# free_port: a TCP/UDP port free on 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
