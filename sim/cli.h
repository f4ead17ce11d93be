/*
 * cli.h - the kafkasim command line: commands, --help and --version, exit codes.
 * Exit codes: 0 success, 1 an expectation failed, 2 bad input or usage, 3 internal error.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#define KS_VERSION "0.1.0"
#define KS_EXIT_OK 0
#define KS_EXIT_EXPECT 1
#define KS_EXIT_USAGE 2
#define KS_EXIT_INTERNAL 3

int ks_main(int argc, char **argv);

#endif
