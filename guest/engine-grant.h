/* Which containers were given the engine-socket stand-in: shared by
 * ecivm-runc (writes a grant when it binds the stand-in, removes it before
 * the container's user-ID range is released) and ecivm-agent (answers a
 * connection only from a peer whose uid lies in a granted range).
 *
 * ENGINE_GRANTS_DIR/<container id> holds "<range base> <range size>\n".  The
 * directory is root's, 0700, on the VM's /run (tmpfs: grants end with the
 * boot, as the containers do) and under /run/ecivm-engine, which no
 * container may bind.  A grant counts only while the allocator's file
 * (ENGINE_RANGES_FILE, idalloc.h) lists that same range as used by that
 * same container: a grant left behind by a crash, or a range handed on to
 * another container, answers nobody. */
#ifndef ECIVM_GUEST_ENGINE_GRANT_H
#define ECIVM_GUEST_ENGINE_GRANT_H

#include "contract.h"

#define ENGINE_DIR WIRE_PATH_ENGINE_DIR
#define ENGINE_SOCK WIRE_PATH_ENGINE_SOCKET
#define ENGINE_GRANTS_DIR ENGINE_DIR "/grants"
#define ENGINE_RANGES_FILE "/data/ecivm-runc/ranges"
/* a container id usable as a grant's file name (runc's ids are shorter) */
#define ENGINE_GRANT_MAX_ID 128

#endif
