/* The control port: non-blocking frames to and from the host.  The host may
 * come and go (the port reports POLLHUP while nobody is connected), so a
 * send never blocks for long and a dead session is dropped, not fatal. */
#ifndef ECIVM_INIT_CONTROL_H
#define ECIVM_INIT_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"
#include "wire.h"

#define CONTROL_RETRY_MS 500

enum control_event_kind {
        CONTROL_HELLO,   /* the host (re)started a session */
        CONTROL_MESSAGE, /* a well-formed control message in .msg */
        CONTROL_BAD,     /* refused input; .has_id says if .id can be answered */
};

struct control_event {
        enum control_event_kind kind;
        const struct wire_control *msg;
        bool has_id;
        uint32_t id;
        const char *why;
};

typedef void (*control_cb)(void *user, const struct control_event *ev);

struct control {
        int fd;
        bool connected; /* a host is on the other end */
        bool broken;    /* undecodable input: ignored until the host reconnects */
        uint64_t retry_at;
        int tx_error;
        struct wire_decoder dec;
        struct wire_control rx, tx;
};

void control_init(struct control *c);
int control_open(struct control *c, const char *path);
/* Re-checks whether a host is connected; true when one just arrived. */
bool control_refresh(struct control *c, uint64_t now);
/* Waits up to TIMEOUT_MS for a host to be connected; true if one is. */
bool control_wait_host(struct control *c, unsigned timeout_ms);
/* Reads what is waiting and calls CB per message; marks the host gone on EOF. */
void control_read(struct control *c, control_cb cb, void *user);

/* Message builder: begin, add fields (errors are kept), send. */
void control_begin(struct control *c, uint8_t verb, uint32_t id);
void control_add(struct control *c, const char *key, const char *fmt, ...) _printf_(3, 4);
int control_send(struct control *c, unsigned timeout_ms);

#endif
