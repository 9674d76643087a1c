/* engine-get SOCKET METHOD PATH: one Engine API request on a unix socket from
 * inside a container (busybox has no unix-socket HTTP client); prints the
 * status line and the body, or "engine-get: closed without an answer" (exit
 * 3) when the server hangs up before sending a byte.  Static, for the test
 * images only. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char req[1024], buf[4096];
        ssize_t n;
        size_t got = 0;
        int fd;

        if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: engine-get SOCKET METHOD PATH\n");
                return 2;
        }
        signal(SIGPIPE, SIG_IGN); /* a server that hangs up at once is an answer too */
        strcpy(sa.sun_path, argv[1]);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("engine-get: connect");
                return 1;
        }
        n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                     argv[2], argv[3]);
        if (write(fd, req, (size_t) n) != n && errno != EPIPE && errno != ECONNRESET) {
                perror("engine-get: write");
                return 1;
        }
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                fwrite(buf, 1, (size_t) n, stdout);
                got += (size_t) n;
        }
        if (got == 0 && (n == 0 || errno == ECONNRESET)) {
                printf("engine-get: closed without an answer\n");
                return 3;
        }
        putchar('\n');
        return n < 0;
}
