/* The trivial /init of the boot bench's baseline initramfs: says it is
 * running on the serial console and powers the VM off. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MARKER "ecivm-bench: init reached\n"

static int open_console(void)
{
        int fd = open("/dev/console", O_WRONLY | O_NOCTTY);

        if (fd >= 0)
                return fd;
        if (mkdir("/dev", 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 && errno != EBUSY)
                return -errno;
        fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

int main(void)
{
        int fd = open_console();

        if (fd >= 0) {
                (void) !write(fd, MARKER, strlen(MARKER));
                tcdrain(fd);
        }
        reboot(RB_POWER_OFF);
        return 1;
}
