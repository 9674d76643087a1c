/* The VM has no swap: when its memory runs short, the kernel keeps evicting
 * and re-reading the code pages of the busiest programs (dockerd, the shims)
 * from the root image, and under emulation the VM looks hung for minutes
 * while its heartbeat (init's few hot pages) goes on.  Measured: 50 containers
 * started at once in a 1536 MiB VM stalled dockerd for good; in 4096 MiB they
 * started in 143 s.  The multi-generational LRU's min_ttl_ms turns that into
 * the OOM killer's choice instead: a working set younger than a second is
 * never evicted, and what cannot be kept is killed, visibly. */
#include "config.h"

#include <string.h>

#include "init.h"
#include "log.h"

#define LRU_GEN "/sys/kernel/mm/lru_gen/"

void protect_working_set(void)
{
        char now[16] = "";
        int r = write_file(LRU_GEN "enabled", "y", 0644);

        if (r == 0)
                r = write_file(LRU_GEN "min_ttl_ms", "1000", 0644);
        if (r == 0)
                r = read_line(LRU_GEN "min_ttl_ms", now, sizeof(now));
        if (r < 0 || strcmp(now, "1000") != 0) {
                log_msg("memory: no thrashing protection (%s): a VM short of memory may stall instead of "
                        "killing a process", r < 0 ? strerror(-r) : now);
                return;
        }
        log_msg("memory: working sets younger than 1 s are kept; short of memory, the OOM killer decides");
}
