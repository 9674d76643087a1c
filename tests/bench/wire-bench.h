/* Throughput bench protocol, spoken by the host client and the guest server
 * over the raw port or over one mux stream, so both transports carry the
 * very same bytes.
 *
 * A request is 16 bytes (big-endian): u32 WB_MAGIC, u32 op, u64 length.
 *   WB_PUT   the client sends LENGTH bytes; the server answers with the u64
 *            count it received (8 bytes) once it has them all.
 *   WB_GET   the server sends LENGTH bytes.
 *   WB_QUIT  the server powers the guest off.
 * Requests follow each other on one connection; a stream may end after any.
 */
#ifndef ECIVM_WIRE_BENCH_H
#define ECIVM_WIRE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WB_MAGIC 0x57424e31u /* "WBN1" */
#define WB_REQ_SIZE 16
#define WB_CHUNK (64u * 1024u)

enum wb_op {
        WB_PUT = 1,
        WB_GET = 2,
        WB_QUIT = 3,
};

enum wb_phase {
        WB_SEND_REQ,
        WB_RECV_REQ,
        WB_SEND_DATA,
        WB_RECV_DATA,
        WB_SEND_REPLY,
        WB_RECV_REPLY,
        WB_DONE,
};

/* One side of one connection.  Works on blocking fds (step until done) and
 * on non-blocking ones (step when poll() says so). */
struct wb_endpoint {
        int fd;
        bool server;
        enum wb_phase phase;
        uint32_t op;
        uint64_t length;
        uint64_t left;  /* bytes still to move in this phase */
        uint64_t moved; /* payload bytes moved by this request */
        uint8_t msg[WB_REQ_SIZE];
        size_t msg_len, msg_pos;
        uint64_t reads, writes; /* system calls that moved bytes, and the bytes */
        uint64_t bytes_read, bytes_written;
};

void wb_put_u32(uint8_t *p, uint32_t v);
void wb_put_u64(uint8_t *p, uint64_t v);
uint32_t wb_get_u32(const uint8_t *p);
uint64_t wb_get_u64(const uint8_t *p);

void wb_client_init(struct wb_endpoint *e, int fd, uint32_t op, uint64_t length);
void wb_server_init(struct wb_endpoint *e, int fd);
/* POLLIN/POLLOUT the endpoint waits for in its current phase. */
short wb_wants(const struct wb_endpoint *e);
/* One read or write.  Returns 1 when the client's request is complete (a
 * server: WB_QUIT, or the stream ended between requests, op then 0), 0
 * after progress, -EAGAIN when the fd would block, or another -errno
 * (-EPROTO for a bad request or count, -ECONNRESET for a short stream). */
int wb_step(struct wb_endpoint *e);
/* Steps until done or the fd would block (0); on a blocking fd, until done. */
int wb_pump(struct wb_endpoint *e);

double wb_now(void);
int wb_set_nonblock(int fd);

#endif
