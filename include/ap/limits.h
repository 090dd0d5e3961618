/*
 * Every cap in Apiary, in one place (curl's DYN_* list, Redis's
 * PROTO_INLINE_MAX_SIZE).  A buffer cannot be created without one of these.
 */
#ifndef AP_LIMITS_H
#define AP_LIMITS_H

/* hpfeeds: whole frame, header included.  dionaea publishes whole malware
 * files on mwbinary.dionaea.sensorunique, and MHN's broker accepted 10 MiB. */
#define AP_LIMIT_HPF_MSG (5u + 10u * 1024u * 1024u)
/* hpfeeds AUTH/INFO/SUBSCRIBE frames are tiny; a big one is an attack. */
#define AP_LIMIT_HPF_CTRL (5u + 1u + 255u + 1024u)
/* Broker: per-subscriber output buffer.  Past the hard cap, or above the
 * soft cap for longer than AP_LIMIT_SUB_SOFT_SECS, the subscriber is cut
 * (Redis client-output-buffer-limit pubsub). */
#define AP_LIMIT_SUB_OBUF_HARD (64u * 1024u * 1024u)
#define AP_LIMIT_SUB_OBUF_SOFT (16u * 1024u * 1024u)
#define AP_LIMIT_SUB_SOFT_SECS 10

/* Metrics: series per family (label combinations); the rest share one
 * "_overflow" series so hostile names cannot grow memory. */
#define AP_LIMIT_METRIC_SERIES 10000u

/* A config line, and a config file. */
#define AP_LIMIT_CONF_LINE 4096u
#define AP_LIMIT_CONF_FILE (4u * 1024u * 1024u)

/* One log line after escaping. */
#define AP_LIMIT_LOG_LINE 2048u

/* Sensor session budgets (defaults; modules may lower them). */
#define AP_LIMIT_SESSION_BYTES (1024u * 1024u)
#define AP_LIMIT_SESSION_SECS 300
#define AP_LIMIT_SESSION_ERRORS 16
#define AP_LIMIT_CAPTURE_BYTES 4096u

/* Emulated shell (sensor/shell): one command line, syntax tree size and
 * nesting, words per command, expanded word, loop iterations and output
 * per command line, bytes a session may write into its file system,
 * variables, history. */
#define AP_LIMIT_SH_INPUT (64u * 1024u)
#define AP_LIMIT_SH_NODES 4096u
#define AP_LIMIT_SH_DEPTH 48u
#define AP_LIMIT_SH_WORDS 1024u
#define AP_LIMIT_SH_WORD (64u * 1024u)
#define AP_LIMIT_SH_STEPS 20000u
#define AP_LIMIT_SH_OUTPUT (1024u * 1024u)
#define AP_LIMIT_SH_FS_BYTES (8u * 1024u * 1024u)
#define AP_LIMIT_SH_FS_NODES 4096u
#define AP_LIMIT_SH_VARS 256u
#define AP_LIMIT_SH_HISTORY 500u
/* Longest a `sleep` in an interactive session really waits (a loop of
 * sleeps adds up to this at most). */
#define AP_LIMIT_SH_SLEEP_MS 60000u
/* One asciicast TTY recording. */
#define AP_LIMIT_TTYLOG (4u * 1024u * 1024u)
/* File bytes one event may carry in "content_b64" (the collector decodes
 * at most this much; sensors default to 4 MiB, below the hpfeeds cap). */
#define AP_LIMIT_FILE_CONTENT (7u * 1024u * 1024u)

/* Collector: one attacker string kept in an event (longer ones are cut at
 * a UTF-8 boundary and the event says so in "tags"), events made from one
 * payload, and the bounded queue between the broker tap and the writer. */
#define AP_LIMIT_EVENT_STR (64u * 1024u)
#define AP_LIMIT_EVENTS_PER_PAYLOAD 10000u
#define AP_LIMIT_COLLECTOR_QUEUE_BYTES (256u * 1024u * 1024u)
#define AP_LIMIT_COLLECTOR_QUEUE_ITEMS 200000u

/* Outputs and alerts (server/outputs, server/alerts): one formatted
 * record, an output's default queue, and one alert's JSON. */
#define AP_LIMIT_OUTPUT_RECORD (1024u * 1024u)
#define AP_LIMIT_OUTPUT_QUEUE_BYTES (64u * 1024u * 1024u)
#define AP_LIMIT_ALERT_JSON (256u * 1024u)

#endif
