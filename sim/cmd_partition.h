/*
 * cmd_partition.h - `kafkasim partition`: which partition the Java client sends each key to.
 */
#ifndef SIM_CMD_PARTITION_H
#define SIM_CMD_PARTITION_H

/* argv[0] is the subcommand name ("partition"); options and keys follow. Prints
 * KEY<TAB>PARTITION per key (with --hash, KEY<TAB>MURMUR2<TAB>PARTITION) on stdout.
 * Returns the exit status: 0, or 2 on bad usage (message on stderr). */
int cmd_partition(int argc, char **argv);

#endif
