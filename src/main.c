/*
 * apiary: one binary, many subcommands (DESIGN.md).  This file only
 * dispatches; each subcommand lives with its component.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ap/log.h"
#include "commands.h"
#include "ap/common.h"

#ifndef AP_VERSION
#define AP_VERSION "0.0.0"
#endif

int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("apiary %s\n", AP_VERSION);
    return 0;
}

static void
usage(FILE *f)
{
    const struct ap_cmd *c;

    fprintf(f, "usage: apiary COMMAND [options]\n\ncommands:\n");
    for (c = ap_commands; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'apiary COMMAND --help' for the options of one "
               "command.\n");
}

int
main(int argc, char **argv)
{
    const struct ap_cmd *c;

    /* A peer that goes away must never kill the process. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    for (c = ap_commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0) {
            ap_log_set_tag(c->name);
            return c->run(argc - 1, argv + 1);
        }
    fprintf(stderr, "apiary: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
