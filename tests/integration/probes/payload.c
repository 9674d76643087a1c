/* The attacker's stand-in for the VM's runc (issue 14's first reproduction):
 * if anything in the VM ever executes it, it leaves a mark where the test
 * looks (argv[0]'s directory is not known; the volume is) and fails. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
        int fd = open("/var/lib/docker/volumes/ecipwn/_data/PWNED", O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (fd >= 0) {
                dprintf(fd, "ran as uid %d\n", (int) getuid());
                close(fd);
        }
        return 1;
}
