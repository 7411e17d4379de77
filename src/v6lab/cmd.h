/* Subcommands of the v6lab program; each takes argc/argv after its name. */
#ifndef V6LAB_CMD_H
#define V6LAB_CMD_H

int cmd_decode(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
