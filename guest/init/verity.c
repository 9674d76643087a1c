#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"
#include "verity.h"

#define DM_CONTROL "/dev/mapper/control"
#define DM_CONTROL_FALLBACK "/dev/ecivm-dm-control"
#define DM_CONTROL_MAJOR 10
#define DM_CONTROL_MINOR 236
#define DM_BUF_SIZE 16384
#define VERITY_BLOCK 4096u

/* veritysetup's on-disk superblock (cryptsetup lib/verity/verity.c) */
struct verity_sb {
        uint8_t signature[8]; /* "verity\0\0" */
        uint32_t version;     /* 1 */
        uint32_t hash_type;   /* 1 */
        uint8_t uuid[16];
        uint8_t algorithm[32];
        uint32_t data_block_size;
        uint32_t hash_block_size;
        uint64_t data_blocks;
        uint16_t salt_size;
        uint8_t _pad1[6];
        uint8_t salt[256];
        uint8_t _pad2[168];
} __attribute__((packed));

static int open_control(void)
{
        int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);

        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : -errno;
        /* devtmpfs normally has it; make our own node if not */
        if (mknod(DM_CONTROL_FALLBACK, S_IFCHR | 0600, makedev(DM_CONTROL_MAJOR, DM_CONTROL_MINOR)) < 0 &&
            errno != EEXIST)
                return -errno;
        fd = open(DM_CONTROL_FALLBACK, O_RDWR | O_CLOEXEC);
        return fd >= 0 ? fd : -errno;
}

static void dm_init(struct dm_ioctl *io, size_t size, uint32_t flags)
{
        memset(io, 0, size);
        io->version[0] = DM_VERSION_MAJOR;
        io->version[1] = 0;
        io->version[2] = 0;
        io->data_size = (uint32_t) size;
        io->data_start = sizeof(*io);
        io->flags = flags;
        snprintf(io->name, sizeof(io->name), "%s", VERITY_DM_NAME);
}

static int hex_value(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10;
}

static int check_superblock(const struct init_cmdline *c)
{
        _cleanup_close_ int fd = open(c->verity_hash_dev, O_RDONLY | O_CLOEXEC);
        struct verity_sb sb;
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = pread(fd, &sb, sizeof(sb), 0);
        if (n < 0)
                return -errno;
        if (n != sizeof(sb) || memcmp(sb.signature, "verity\0\0", 8) != 0 || sb.version != 1 ||
            sb.hash_type != 1 || strcmp((const char *) sb.algorithm, "sha256") != 0 ||
            sb.data_block_size != VERITY_BLOCK || sb.hash_block_size != VERITY_BLOCK ||
            sb.data_blocks != c->verity_blocks || sb.salt_size != 32)
                return -EBADMSG;
        for (int i = 0; i < 32; i++)
                if (sb.salt[i] != (hex_value(c->verity_salt[2 * i]) << 4 | hex_value(c->verity_salt[2 * i + 1])))
                        return -EBADMSG;
        return 0;
}

static int load_table(int ctl, const struct init_cmdline *c)
{
        static uint8_t buf[DM_BUF_SIZE] __attribute__((aligned(8)));
        struct dm_ioctl *io = (struct dm_ioctl *) buf;
        struct dm_target_spec *t = (struct dm_target_spec *) (buf + sizeof(*io));
        char *params = (char *) (t + 1);
        size_t room = sizeof(buf) - sizeof(*io) - sizeof(*t);
        int n;

        dm_init(io, sizeof(buf), DM_READONLY_FLAG);
        io->target_count = 1;
        t->sector_start = 0;
        t->length = c->verity_blocks * (VERITY_BLOCK / 512);
        snprintf(t->target_type, sizeof(t->target_type), "verity");
        n = snprintf(params, room, "1 %s %s %u %u %llu 1 sha256 %s %s", c->root, c->verity_hash_dev, VERITY_BLOCK,
                     VERITY_BLOCK, c->verity_blocks, c->verity_root_hash, c->verity_salt);
        if (n < 0 || (size_t) n >= room)
                return -E2BIG;
        t->next = 0;
        return ioctl(ctl, DM_TABLE_LOAD, io) < 0 ? -errno : 0;
}

int verity_setup(const struct init_cmdline *c, const char **what)
{
        struct dm_ioctl io;
        _cleanup_close_ int ctl = -1;
        dev_t dev;
        int r;

        *what = "hash device superblock";
        r = check_superblock(c);
        if (r < 0)
                return r;
        *what = "open " DM_CONTROL;
        ctl = open_control();
        if (ctl < 0)
                return ctl;
        *what = "DM_DEV_CREATE";
        dm_init(&io, sizeof(io), 0);
        if (ioctl(ctl, DM_DEV_CREATE, &io) < 0)
                return -errno;
        dev = (dev_t) io.dev;
        *what = "DM_TABLE_LOAD (verity)";
        r = load_table(ctl, c);
        if (r < 0)
                return r;
        *what = "DM_DEV_SUSPEND (resume)";
        dm_init(&io, sizeof(io), 0);
        if (ioctl(ctl, DM_DEV_SUSPEND, &io) < 0)
                return -errno;
        *what = "mknod " VERITY_DEV;
        if (mknod(VERITY_DEV, S_IFBLK | 0400, dev) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int verity_status(void)
{
        static uint8_t buf[DM_BUF_SIZE] __attribute__((aligned(8)));
        struct dm_ioctl *io = (struct dm_ioctl *) buf;
        _cleanup_close_ int ctl = open_control();
        const struct dm_target_spec *t;
        const char *status;

        if (ctl < 0)
                return ctl;
        dm_init(io, sizeof(buf), 0);
        if (ioctl(ctl, DM_TABLE_STATUS, io) < 0)
                return errno == ENXIO ? -ENXIO : -errno;
        if (io->target_count != 1 || io->data_start + sizeof(*t) >= io->data_size || io->data_size > sizeof(buf))
                return -EPROTO;
        t = (const struct dm_target_spec *) (buf + io->data_start);
        status = (const char *) (t + 1);
        if (strcmp(t->target_type, "verity") != 0 || memchr(status, '\0', sizeof(buf) - (size_t) (status - (char *) buf)) == NULL)
                return -EPROTO;
        if (status[0] == 'V' || status[0] == 'C')
                return status[0];
        return -EPROTO;
}
