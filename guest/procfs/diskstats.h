/* A container's /proc/diskstats from its cgroup v2 io.stat: the pure part of
 * ecivm-procfs (no I/O, golden-tested). */
#ifndef ECIVM_PROCFS_DISKSTATS_H
#define ECIVM_PROCFS_DISKSTATS_H

#include <stddef.h>

/* The cgroup v2 path ("/docker/<id>") named by the "0::" line of a
 * /proc/<pid>/cgroup text, malloc'ed; NULL (errno EINVAL) when there is
 * none or it is not a plain absolute path. */
char *diskstats_cgroup_path(const char *proc_cgroup);

/* /proc/diskstats as the cgroup whose io.stat is IO_STAT sees it: one line
 * per device of VM_DISKSTATS (the VM's /proc/diskstats, for the names and
 * their order) that the cgroup did I/O on, with its own request and sector
 * counts (rios, rbytes/512, wios, wbytes/512, dios, dbytes/512) and 0 for
 * what io.stat does not count (merges, times, queue).  Malformed lines of
 * either input are skipped.  Malloc'ed; NULL only when out of memory. */
char *diskstats_render(const char *vm_diskstats, const char *io_stat);

#endif
