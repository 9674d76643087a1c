/* ecivm events: follow the VM's state changes as JSON lines. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api-proto.h"
#include "cli.h"

int ecivm_cli_events(EcivmCli *cli, int argc, char **argv)
{
        int count = 0;
        GOptionEntry entries[] = {
                { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Exit after N events (default: follow)", "N" },
                { NULL },
        };
        g_autofree char *path = g_build_filename(cli->run_dir, "ecivmd.sock", NULL);
        g_autofree char *req = ecivm_api_request_build(1, "subscribe", NULL);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        FILE *in;
        char line[ECIVM_API_MAX_LINE];
        int fd, seen = -1; /* the first line is the subscribe reply */

        if (!ecivm_cli_parse("events", "Print state changes as they happen (JSON lines)", entries, &argc, &argv))
                return CLI_USAGE;
        if (strlen(path) >= sizeof(sa.sun_path))
                return CLI_USAGE;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || write(fd, req, strlen(req)) < 0) {
                fprintf(stderr, "ecivm: ecivmd at %s: %s\n", path, g_strerror(errno));
                return CLI_NOT_RUNNING;
        }
        in = fdopen(fd, "r");
        while (fgets(line, sizeof(line), in)) {
                if (seen++ < 0)
                        continue;
                fputs(line, stdout);
                fflush(stdout);
                if (count > 0 && seen >= count)
                        break;
        }
        fclose(in);
        return CLI_OK;
}
