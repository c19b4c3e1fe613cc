/* kmodd-bench: the measuring side of kmodd's benchmark (bench/run-bench
 * drives it and prints the table; see bench/README.md).
 *
 *   kmodd-bench MODE [OPTION...]      prints one JSON object on stdout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "bench-modes.h"
#include "bench-util.h"

static const struct {
  const char *name;
  int         (*run) (int argc, char **argv);
  const char *summary;
} modes[] = {
  { "rtt", bench_mode_rtt, "round trips of interleaved calls on one warm connection" },
  { "throughput", bench_mode_throughput, "calls per second of N concurrent client processes" },
  { "info-all", bench_mode_info_all, "Info for every module of a modules directory" },
  { "memory", bench_mode_memory, "the daemon's memory, idle and after many calls" },
  { "wait-name", bench_mode_wait_name, "wait until a bus name is owned" },
  { "wait-list", bench_mode_wait_list, "wait until List shows N modules" },
  { "proc", bench_mode_proc, "two to four commands as whole processes, interleaved" },
  { "call-once", bench_mode_call_once, "a minimal bus client process: connect, GetId, exit" },
  { "load-unload", bench_mode_load_unload, "Load+Unload through libkmodd against modprobe+rmmod" },
  { "signal-latency", bench_mode_signal_latency, "ModuleLoaded/Unloaded after modprobe/rmmod return" },
  { "start-time", bench_mode_start_time, "spawn of a service to its bus name owned" },
  { "activation", bench_mode_activation, "StartServiceByName of kmodd (bus activation)" },
  { "fk-load", bench_mode_fk_load, "fill the fake kernel with modules (setup)" },
};

static void
usage (void)
{
  gsize i;

  g_printerr ("Usage: kmodd-bench MODE [OPTION...]   (MODE --help for its options)\n\nModes:\n");
  for (i = 0; i < G_N_ELEMENTS (modes); i++)
    g_printerr ("  %-15s %s\n", modes[i].name, modes[i].summary);
}

int
main (int    argc,
      char **argv)
{
  gsize i;

  setlocale (LC_ALL, "");
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      usage ();
      return argc < 2 ? 2 : 0;
    }
  for (i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      if (g_str_equal (argv[1], modes[i].name))
        return modes[i].run (argc - 1, argv + 1);
    }
  g_printerr ("kmodd-bench: unknown mode “%s”\n", argv[1]);
  usage ();
  return 2;
}
