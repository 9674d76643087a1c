/* ecivm events: follow the VM's state changes as JSON lines. */
#include <stdio.h>

#include "api-proto.h"
#include "cli.h"

int ecivm_cli_events(EcivmCli *cli, int argc, char **argv)
{
        int count = 0;
        GOptionEntry entries[] = {
                { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Exit after N events (default: follow)", "N" },
                { NULL },
        };
        char line[ECIVM_API_MAX_LINE];
        int seen = -1; /* the first line is the subscribe reply */
        FILE *in;

        if (!ecivm_cli_parse("events", "Print state changes as they happen (JSON lines)", entries, &argc, &argv))
                return CLI_USAGE;
        in = ecivm_cli_open_stream(cli, "subscribe", NULL);
        if (!in)
                return CLI_NOT_RUNNING;
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
