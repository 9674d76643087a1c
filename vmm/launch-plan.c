#include "config.h"

#include "launch-plan.h"

EcivmLaunchPlan *
ecivm_launch_plan_new(void)
{
        EcivmLaunchPlan *plan = g_new0(EcivmLaunchPlan, 1);

        plan->accel = ECIVM_ACCEL_TCG;
        plan->cpus = 1;
        plan->memory_mib = 1024;
        plan->control.fd = -1;
        plan->docker.fd = -1;
        plan->no_reboot = TRUE;
        return plan;
}

static void
channel_clear(EcivmChannel *ch)
{
        g_clear_pointer(&ch->path, g_free);
        ch->kind = ECIVM_CHANNEL_UNSET;
        ch->fd = -1;
}

void
ecivm_launch_plan_free(EcivmLaunchPlan *plan)
{
        if (plan == NULL)
                return;
        g_free(plan->qemu_binary);
        g_free(plan->kernel);
        g_free(plan->initrd);
        g_free(plan->cmdline);
        g_free(plan->root_image);
        g_free(plan->data_disk);
        g_free(plan->verity_hash);
        g_free(plan->console_log);
        channel_clear(&plan->control);
        channel_clear(&plan->docker);
        g_free(plan->qmp_socket);
        g_free(plan->guest_log);
        g_free(plan->pidfile);
        g_free(plan);
}

void
ecivm_channel_set_path(EcivmChannel *ch, const char *path)
{
        channel_clear(ch);
        ch->kind = ECIVM_CHANNEL_SOCKET_PATH;
        ch->path = g_strdup(path);
}

void
ecivm_channel_set_fd(EcivmChannel *ch, int fd)
{
        channel_clear(ch);
        ch->kind = ECIVM_CHANNEL_FD;
        ch->fd = fd;
}

const char *
ecivm_accel_name(EcivmAccel accel)
{
        switch (accel) {
        case ECIVM_ACCEL_KVM:
                return "kvm";
        case ECIVM_ACCEL_TCG:
                return "tcg";
        default:
                return "unknown";
        }
}
