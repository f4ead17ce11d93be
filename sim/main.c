/*
 * main.c - kafkasim's entry point: dispatch to a command.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return ks_main(argc, argv);
}
