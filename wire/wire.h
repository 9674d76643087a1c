/* ecivm wire protocol: the one module host (vmm/) and guest (guest/) share.
 *
 * Plain C, no GLib, so the static guest init can link it.  Everything here
 * bounds-checks its input and returns -errno on bad input; nothing logs.
 *
 * Frame (all integers big-endian), 12-byte header then payload:
 *   u8  magic   WIRE_MAGIC
 *   u8  version WIRE_VERSION
 *   u8  type    enum wire_frame_type
 *   u8  flags   must be 0
 *   u32 stream  0 for HELLO/CONTROL, non-zero for stream frames
 *   u32 length  payload bytes, <= WIRE_MAX_PAYLOAD
 *
 * Streams (Docker port): the host opens, both sides send DATA within the
 * credit the peer granted (WIRE_WINDOW initially, topped up by CREDIT
 * frames as the receiver drains), SHUT is a half-close (no more DATA from
 * the sender), RESET aborts both directions.  A stream ends once SHUT has
 * gone both ways and all data was delivered, or on RESET.  HELLO starts a
 * session: on receiving it, a peer drops every stream it had.
 *
 * Control (control port): CONTROL frames on stream 0 whose payload is one
 * control message: u8 verb, u32 request id, then a body of "key=value\n"
 * lines (keys [a-z0-9_.-]+, values without NUL or newline).  The verb set is
 * closed: anything else is refused by the decoder.
 */
#ifndef ECIVM_WIRE_H
#define ECIVM_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "contract.h"

#define WIRE_MAGIC 0xEC
#define WIRE_VERSION 1
#define WIRE_HEADER_SIZE 12
#define WIRE_MAX_PAYLOAD (32u * 1024u)
#define WIRE_WINDOW (256u * 1024u)
#define WIRE_MAX_STREAMS 1024
#define WIRE_CONTROL_MAX_BODY (16u * 1024u)
#define WIRE_CONTROL_MAX_FIELDS 64

/* virtio-serial port names (guest sees /sys/class/virtio-ports/<x>/name) */
#define WIRE_PORT_CONTROL "org.ecivm.control"
#define WIRE_PORT_DOCKER "org.ecivm.docker"
/* guest -> host only: containerd/dockerd output, a file on the host */
#define WIRE_PORT_LOG "org.ecivm.log"

enum wire_frame_type {
        WIRE_HELLO = 1,
        WIRE_OPEN = 2,
        WIRE_DATA = 3,
        WIRE_SHUT = 4,
        WIRE_RESET = 5,
        WIRE_CREDIT = 6,
        WIRE_CONTROL = 7,
};

struct wire_frame {
        uint8_t type;
        uint32_t stream;
        uint32_t length;
        const uint8_t *payload; /* points into the decoder's buffer */
};

const char *wire_frame_type_name(uint8_t type);

/* Encode a header for a frame of TYPE/STREAM/LENGTH into OUT. -EINVAL if the
 * combination is not valid (payload too large, stream 0 for stream frames). */
int wire_encode_header(uint8_t out[WIRE_HEADER_SIZE], uint8_t type, uint32_t stream, uint32_t length);

/* Validate a header.  Returns 0 and fills F (payload NULL) or -EPROTO/-EMSGSIZE. */
int wire_decode_header(const uint8_t in[WIRE_HEADER_SIZE], struct wire_frame *f);

/* Incremental decoder: feed bytes, pull whole frames.  Holds at most one
 * frame, so memory is bounded by WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD. */
struct wire_decoder {
        uint8_t buf[WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD];
        size_t have;
        int error; /* sticky: once a bad frame was seen, the session is dead */
};

void wire_decoder_init(struct wire_decoder *d);
/* Consume up to LEN bytes from IN; returns bytes consumed (>= 0) or -errno.
 * When a frame is complete, *ready is set to 1 and F describes it; the frame
 * stays valid until the next call. */
ssize_t wire_decoder_feed(struct wire_decoder *d, const uint8_t *in, size_t len, struct wire_frame *f, int *ready);

/* ---- control messages ---- */

enum wire_verb {
        /* guest -> host */
        WIRE_V_BOOTED = 1,   /* init is up: kernel, boot_id */
        WIRE_V_READY = 2,    /* dockerd answers /_ping */
        WIRE_V_FAILURE = 3,  /* reason=...; the guest powers off next */
        WIRE_V_EVENT = 4,    /* service=... state=... (e.g. dockerd restarted) */
        WIRE_V_REPLY = 5,    /* answer to a request id, ok=0|1 */
        /* answer to EVIDENCE (same id): the fields of WIRE_EVIDENCE_FIELDS
         * (contract.h), a fixed set of facts, no free paths */
        WIRE_V_EVIDENCE_REPLY = 6,
        /* host -> guest */
        WIRE_V_STATUS = 16,   /* ask for status fields */
        WIRE_V_SHUTDOWN = 17, /* stop services, sync, power off */
        WIRE_V_PING = 18,     /* liveness; answered by REPLY */
        WIRE_V_EVIDENCE = 19, /* nonce=<hex>; answered by EVIDENCE_REPLY */
        /* the effective settings, sent once per session in answer to BOOTED:
         * the keys of WIRE_SETTINGS_KEYS (contract.h).  Answered by REPLY;
         * the guest applies them at boot only and refuses different ones
         * later (a restart applies them). */
        WIRE_V_SETTINGS = 20,
};

#define WIRE_EVIDENCE_NONCE_MAX 128 /* hex digits */
#define WIRE_EVIDENCE_DAEMON_JSON_MAX 4096
#define WIRE_EVIDENCE_HEX_CHUNK 1000
#define WIRE_TEXT_CHUNK 1000
/* each of daemon_options, eci_json: the daemon.json they make must still fit
 * WIRE_EVIDENCE_DAEMON_JSON_MAX */
#define WIRE_SETTINGS_TEXT_MAX 2048

struct wire_field {
        char key[64];
        char value[1024];
};

struct wire_control {
        uint8_t verb;
        uint32_t id;
        unsigned n_fields;
        struct wire_field fields[WIRE_CONTROL_MAX_FIELDS];
};

const char *wire_verb_name(uint8_t verb);
int wire_verb_from_name(const char *name);
/* Adds KEY=VALUE; -EINVAL for a bad key/value, -E2BIG when full or too long. */
int wire_control_add(struct wire_control *c, const char *key, const char *value);
const char *wire_control_get(const struct wire_control *c, const char *key);
/* A text longer than one field (no NUL or newline, which JSON without
 * pretty-printing never has): NAME_len=<bytes>, then NAME.0, NAME.1, ...
 * of at most WIRE_TEXT_CHUNK bytes.  -EINVAL for a bad name or text,
 * -E2BIG when the message is full. */
int wire_control_add_text(struct wire_control *c, const char *name, const char *text);
/* Reassembles NAME into OUT (NUL-terminated); returns its length, -ENOENT
 * when NAME_len is absent, -E2BIG when CAP is too small, -EPROTO when the
 * chunks do not add up to NAME_len. */
ssize_t wire_control_get_text(const struct wire_control *c, const char *name, char *out, size_t cap);
/* Serialise into OUT (size CAP); returns length or -errno. */
ssize_t wire_control_encode(const struct wire_control *c, uint8_t *out, size_t cap);
/* Strict parse of a CONTROL payload; -EPROTO on anything out of shape. */
int wire_control_decode(const uint8_t *in, size_t len, struct wire_control *c);

/* Write one whole frame to a blocking fd (used by init and tests). */
int wire_write_frame_fd(int fd, uint8_t type, uint32_t stream, const void *payload, uint32_t len);
int wire_send_control_fd(int fd, const struct wire_control *c);

#endif
