/*
 * cmd_assign.h - `kafkasim assign`: run one of Kafka's consumer partition assignors on a
 * group described on the command line and print the assignment (models/assignor.h).
 */
#ifndef SIM_CMD_ASSIGN_H
#define SIM_CMD_ASSIGN_H

/* argv[0] is the command name ("assign"); options follow. Returns the exit status:
 * 0 ok, 2 bad usage (one line on stderr starting "kafkasim assign: "). */
int cmd_assign(int argc, char **argv);

#endif
