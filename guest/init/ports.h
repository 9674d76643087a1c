/* /dev/virtio-ports/<name> links, made from sysfs since there is no udev. */
#ifndef ECIVM_INIT_PORTS_H
#define ECIVM_INIT_PORTS_H

#define INIT_PORTS_DIR "/dev/virtio-ports"

/* Links every named port; returns how many are linked, or -errno. */
int ports_link_all(void);
/* Links ports until every name in NAMES (NULL-terminated) exists, or
 * TIMEOUT_MS passes (-ETIMEDOUT). */
int ports_wait(const char *const *names, unsigned timeout_ms);

#endif
