#!/usr/bin/env python3
# Writes the input cases of tests/unit/golden/runc-policy/ (run it there); the
# facts of a bind source are [realpath as its fd names it, shape] (shape: plain,
# tmpfs-root, foreign, unresolved; see guest/runc/mount-sources.h); the
# .out files come from ECIVM_REGENERATE_GOLDEN=1 make check TESTS=tests/unit/test-runc-policy.
import json, copy, os
base = {
 "ociVersion": "1.0.2-dev",
 "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "env": ["PATH=/usr/bin:/bin"], "cwd": "/",
   "capabilities": {k: ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_NET_RAW","CAP_SYS_CHROOT","CAP_MKNOD","CAP_AUDIT_WRITE","CAP_SETFCAP"] for k in ["bounding","effective","permitted"]},
   "apparmorProfile": "docker-default", "oomScoreAdj": 0},
 "root": {"path": "/var/lib/docker/overlay2/abc/merged"},
 "hostname": "c1",
 "mounts": [
  {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid","noexec","nodev"]},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]},
  {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]},
  {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro","nosuid","noexec","nodev"]},
  {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid","noexec","nodev"]},
  {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid","noexec","nodev","mode=1777","size=67108864"]},
  {"destination": "/etc/resolv.conf", "type": "bind", "source": "/var/lib/docker/containers/c1/resolv.conf", "options": ["rbind","rprivate"]},
  {"destination": "/etc/hostname", "type": "bind", "source": "/var/lib/docker/containers/c1/hostname", "options": ["rbind","rprivate"]},
  {"destination": "/etc/hosts", "type": "bind", "source": "/var/lib/docker/containers/c1/hosts", "options": ["rbind","rprivate"]}],
 "linux": {
  "resources": {"devices": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "rwm"}], "memory": {"disableOOMKiller": False}},
  "cgroupsPath": "system.slice:docker:c1",
  "namespaces": [{"type": "mount"}, {"type": "network"}, {"type": "uts"}, {"type": "pid"}, {"type": "ipc"}, {"type": "cgroup"}],
  "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
     "syscalls": [{"names": ["accept","read","write","mount","bpf","clone"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]},
  "maskedPaths": ["/proc/asound","/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware"],
  "readonlyPaths": ["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}}

cases = {}
def case(name, ctx=None, f=None):
    c = copy.deepcopy(base)
    if f: f(c)
    d = {"config": c}
    if ctx: d["context"] = ctx
    cases[name] = d

def drop_ns(t):
    def f(c): c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != t]
    return f
def ns_path(t, p):
    def f(c):
        for n in c["linux"]["namespaces"]:
            if n["type"] == t: n["path"] = p
    return f
def add_bind(src, dst="/mnt", opts=("rbind","rprivate")):
    def f(c): c["mounts"].append({"destination": dst, "type": "bind", "source": src, "options": list(opts)})
    return f
def both(*fs):
    def f(c):
        for x in fs: x(c)
    return f

case("docker-default", None, lambda c: c["linux"].update({"sysctl": {"net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647"}}))
case("second-range", {"idBase": 165536})
case("rootpath-lxcfs", {"rootPath": "/run/ecivm-runc/c1/rootfs", "lxcfsDir": "/var/lib/lxcfs"})
case("lxcfs-procfs", {"lxcfsDir": "/var/lib/lxcfs", "procfsDir": "/run/ecivm-procfs"})
case("procfs-only", {"procfsDir": "/run/ecivm-procfs"})
# a second pass (runc's own create after the shim's) finds the binds made
case("lxcfs-procfs-again", {"lxcfsDir": "/var/lib/lxcfs", "procfsDir": "/run/ecivm-procfs"},
     lambda c: c["mounts"].extend([{"destination": "/proc/" + f, "type": "bind",
         "source": ("/run/ecivm-procfs/" if f == "diskstats" else "/var/lib/lxcfs/proc/") + f, "options": ["bind", "rprivate"]}
         for f in ["uptime", "meminfo", "cpuinfo", "stat", "loadavg", "swaps", "diskstats"]]))
for t, flag in [("pid","pid"),("network","network"),("ipc","ipc"),("uts","uts"),("cgroup","cgroupns"),("mount","mount")]:
    case("refuse-%s-host" % flag, None, drop_ns(t))
    case("refuse-%s-vm-path" % flag, {"nsIdentity": {"/proc/1/ns/%s" % t: {"pid":"4:4026531836","network":"4:4026531840","ipc":"4:4026531839","uts":"4:4026531838","cgroup":"4:4026531835","mount":"4:4026531841"}[t]}}, ns_path(t, "/proc/1/ns/%s" % t))
case("network-container", {"nsIdentity": {"/proc/4242/ns/net": "4:4026532301"}}, ns_path("network", "/proc/4242/ns/net"))
case("ipc-container", {"nsIdentity": {"/proc/4242/ns/ipc": "4:4026532302"}}, ns_path("ipc", "/proc/4242/ns/ipc"))
case("refuse-ns-unresolved", None, ns_path("network", "/proc/999/ns/net"))
case("refuse-userns-path", None, lambda c: c["linux"]["namespaces"].append({"type": "user", "path": "/proc/1/ns/user"}))
case("userns-host-existing-mappings", None, lambda c: c["linux"].update({"uidMappings": [{"containerID": 0, "hostID": 0, "size": 4294967295}], "gidMappings": [{"containerID": 0, "hostID": 0, "size": 4294967295}]}))
case("refuse-user-out-of-range", None, lambda c: c["process"]["user"].update({"uid": 70000}))
case("refuse-group-out-of-range", None, lambda c: c["process"]["user"].update({"additionalGids": [10, 65536]}))
# the ID range's edges (idCount 65536): 65535 is the last ID, 65536 and -1 are outside
case("user-65535", None, lambda c: c["process"]["user"].update({"uid": 65535, "gid": 65535, "additionalGids": [65535]}))
case("refuse-user-65536", None, lambda c: c["process"]["user"].update({"uid": 65536}))
case("refuse-user-negative", None, lambda c: c["process"]["user"].update({"uid": -1}))
# a namespace type the VM's list lacks is the VM's until shown otherwise
case("refuse-time-ns-unknown-to-vm", {"nsIdentity": {"/proc/1/ns/time": "4:4026531834"}},
     lambda c: c["linux"]["namespaces"].append({"type": "time", "path": "/proc/1/ns/time"}))
def set_oom(v):
    def f(c):
        if v is None: del c["process"]["oomScoreAdj"]
        else: c["process"]["oomScoreAdj"] = v
    return f
case("oom-score-missing", None, set_oom(None))
case("oom-score-500", None, set_oom(500))
case("refuse-oom-score-negative", None, set_oom(-500))
case("refuse-oom-score-not-integer", None, set_oom("-1000"))
case("refuse-oom-score-minus-one", None, set_oom(-1))
case("user-1000", None, lambda c: c["process"]["user"].update({"uid": 1000, "gid": 1000}))
sock = {"/run/docker.sock": ["/run/docker.sock", "plain"]}
case("refuse-bind-docker-sock", {"binds": sock}, add_bind("/run/docker.sock", "/var/run/docker.sock"))
case("refuse-bind-var-run-docker-sock", {"binds": {"/var/run/docker.sock": ["/run/docker.sock", "plain"]}}, add_bind("/var/run/docker.sock", "/var/run/docker.sock"))
case("refuse-bind-var-run", {"binds": {"/var/run": ["/run", "plain"]}}, add_bind("/var/run"))
case("refuse-bind-run", {"binds": {"/run": ["/run", "plain"]}}, add_bind("/run"))
case("refuse-bind-root", {"binds": {"/": ["/", "plain"]}}, add_bind("/", "/host"))
case("refuse-bind-symlink", {"binds": {"/tmp/link": ["/run/docker.sock", "plain"]}}, add_bind("/tmp/link"))
case("refuse-bind-containerd", {"binds": {"/run/containerd/containerd.sock": ["/run/containerd/containerd.sock", "plain"]}}, add_bind("/run/containerd/containerd.sock"))
case("refuse-bind-var-lib-docker", {"binds": {"/var/lib/docker": ["/var/lib/docker", "plain"]}}, add_bind("/var/lib/docker"))
case("refuse-bind-data", {"binds": {"/data": ["/data", "plain"]}}, add_bind("/data"))
case("refuse-bind-var-lib-containerd", {"binds": {"/var/lib/containerd/io.containerd.content.v1.content": ["/var/lib/containerd/io.containerd.content.v1.content", "plain"]}}, add_bind("/var/lib/containerd/io.containerd.content.v1.content"))
case("refuse-bind-volume-of-run", {"binds": {"/var/lib/docker/volumes/v/_data": ["/var/lib/docker/volumes/v/_data", "foreign"]}}, add_bind("/var/lib/docker/volumes/v/_data"))
case("refuse-bind-proc", {"binds": {"/proc": ["/proc", "plain"]}}, add_bind("/proc", "/hostproc"))
case("refuse-bind-proc-1-ns", {"binds": {"/proc/1/ns": ["/proc/1/ns", "plain"]}}, add_bind("/proc/1/ns", "/ns"))
case("refuse-bind-sys", {"binds": {"/sys/kernel": ["/sys/kernel", "plain"]}}, add_bind("/sys/kernel"))
case("refuse-bind-dev-vda", {"binds": {"/dev/vda": ["/dev/vda", "plain"]}}, add_bind("/dev/vda", "/dev/vda"))
case("refuse-bind-dev-vport", {"binds": {"/dev/vport1p1": ["/dev/vport1p1", "plain"]}}, add_bind("/dev/vport1p1", "/vport"))
case("refuse-bind-unresolved", None, add_bind("/nonexistent"))
case("refuse-bind-option-only", {"binds": {"/run": ["/run", "plain"]}}, lambda c: c["mounts"].append({"destination": "/x", "type": "none", "source": "/run", "options": ["bind"]}))
case("bind-volume", {"binds": {"/var/lib/docker/volumes/v/_data": ["/var/lib/docker/volumes/v/_data", "plain"]}}, add_bind("/var/lib/docker/volumes/v/_data", "/v", ("rbind",)))
case("refuse-bind-tmp-ro", {"binds": {"/tmp/x": ["/tmp/x", "plain"]}}, add_bind("/tmp/x", "/x", ("rbind","ro","rprivate")))
engine = "/run/ecivm-engine/docker.sock"
case("bind-docker-sock-allow-listed", {"socketMountAllowed": True, "engineSocket": engine, "binds": sock}, add_bind("/run/docker.sock", "/var/run/docker.sock"))
case("bind-var-run-docker-sock-allow-listed", {"socketMountAllowed": True, "engineSocket": engine, "binds": {"/var/run/docker.sock": ["/run/docker.sock", "plain"]}}, add_bind("/var/run/docker.sock", "/var/run/docker.sock"))
case("refuse-bind-docker-sock-allow-listed-no-engine", {"socketMountAllowed": True, "binds": sock}, add_bind("/run/docker.sock", "/var/run/docker.sock"))
case("refuse-bind-run-allow-listed", {"socketMountAllowed": True, "engineSocket": engine, "binds": {"/run": ["/run", "plain"]}}, add_bind("/run"))
case("refuse-bind-containerd-allow-listed", {"socketMountAllowed": True, "engineSocket": engine, "binds": {"/run/containerd": ["/run/containerd", "plain"]}}, add_bind("/run/containerd"))
case("refuse-bind-engine-dir", {"binds": {"/run/ecivm-engine": ["/run/ecivm-engine", "plain"]}}, add_bind("/run/ecivm-engine"))
case("refuse-bind-proc-allow-listed", {"socketMountAllowed": True, "binds": {"/proc": ["/proc", "plain"]}}, add_bind("/proc", "/hostproc"))
def privileged(c):
    caps = ["CAP_" + x for x in "CHOWN DAC_OVERRIDE SYS_ADMIN SYS_MODULE SYS_RAWIO SYS_PTRACE NET_ADMIN BPF PERFMON MKNOD".split()]
    for k in ["bounding","effective","permitted"]: c["process"]["capabilities"][k] = caps
    del c["linux"]["seccomp"]
    c["linux"]["maskedPaths"] = []
    c["linux"]["readonlyPaths"] = []
    c["process"]["apparmorProfile"] = "unconfined"
    c["linux"]["devices"] = [{"path": p, "type": t, "major": ma, "minor": mi, "fileMode": 432, "uid": 0, "gid": 0} for p, t, ma, mi in [
        ("/dev/null","c",1,3),("/dev/kmsg","c",1,11),("/dev/mem","c",1,1),("/dev/vda","b",254,0),("/dev/vdb","b",254,16),("/dev/dm-0","b",253,0),
        ("/dev/kvm","c",10,232),("/dev/vport1p1","c",246,1),("/dev/urandom","c",1,9),("/dev/tty","c",5,0),("/dev/fuse","c",10,229)]]
    c["linux"]["resources"]["devices"] = [{"allow": True, "access": "rwm"}]
case("privileged", None, privileged)
case("cap-add-all-unconfined", None, lambda c: (privileged(c), c["linux"].update({"maskedPaths": ["/proc/kcore"]})))
case("seccomp-default-allow", None, lambda c: c["linux"].update({"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["bpf", "keyctl"], "action": "SCMP_ACT_ALLOW"}, {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}}))
case("refuse-seccomp-notify", None, lambda c: c["linux"]["seccomp"].update({"listenerPath": "/run/x.sock"}))
case("device-explicit-vda-dropped", None, lambda c: c["linux"].update({"devices": [{"path": "/dev/vda", "type": "b", "major": 254, "minor": 0}]}))
case("sysctl-namespaced", None, lambda c: c["linux"].update({"sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20", "kernel.domainname": "x"}}))
case("refuse-sysctl-kernel", None, lambda c: c["linux"].update({"sysctl": {"net.ipv4.ip_forward": "1", "kernel.panic": "1"}}))
case("refuse-sysctl-vm", None, lambda c: c["linux"].update({"sysctl": {"vm.swappiness": "1"}}))
case("refuse-privileged-pid-host", None, both(privileged, drop_ns("pid")))
case("refuse-privileged-sock-and-net-host", {"binds": sock}, both(privileged, drop_ns("network"), add_bind("/run/docker.sock")))
case("privileged-network-container-volume", {"nsIdentity": {"/proc/77/ns/net": "4:4026532400"}, "binds": {"/var/lib/docker/volumes/v/_data": ["/var/lib/docker/volumes/v/_data", "plain"]}}, both(privileged, ns_path("network", "/proc/77/ns/net"), add_bind("/var/lib/docker/volumes/v/_data", "/v")))
case("refuse-invalid-namespaces", None, lambda c: c["linux"].update({"namespaces": {"type": "pid"}}))
case("refuse-invalid-mount", None, lambda c: c["mounts"].append("oops"))
case("build-step-classic", None, lambda c: (c.update({"hostname": ""}), c["mounts"].__delitem__(slice(7, 10))))
case("refuse-build-network-host", None, both(drop_ns("network"), lambda c: c["mounts"].__delitem__(slice(7, 10))))
# a BuildKit build step as dockerd 20.10's executor writes it: no cgroup
# namespace (ecivm-runc adds one for a buildStep), read-only binds of its own
bk_binds = {"/var/lib/docker/buildkit/executor/resolv.conf": ["/var/lib/docker/buildkit/executor/resolv.conf", "plain"],
            "/var/lib/docker/buildkit/executor/hosts.x1": ["/var/lib/docker/buildkit/executor/hosts.x1", "plain"]}
def buildkit(c):
    drop_ns("cgroup")(c)
    c.update({"hostname": "buildkitsandbox", "root": {"path": "/var/lib/docker/buildkit/executor/x1/rootfs"}})
    c["linux"]["cgroupsPath"] = "/docker/buildkit/x1"
    del c["mounts"][7:10]
    for src, dst in [("/var/lib/docker/buildkit/executor/resolv.conf", "/etc/resolv.conf"), ("/var/lib/docker/buildkit/executor/hosts.x1", "/etc/hosts")]:
        c["mounts"].append({"destination": dst, "type": "bind", "source": src, "options": ["nosuid", "noexec", "nodev", "rbind", "ro"]})
case("build-step-buildkit", {"buildStep": True, "binds": bk_binds, "rootPath": "/run/ecivm-runc/x1/rootfs"}, buildkit)
case("refuse-build-step-buildkit-cgroupns", {"binds": bk_binds}, buildkit)
case("refuse-build-step-buildkit-pid-host", {"buildStep": True, "binds": bk_binds}, both(buildkit, drop_ns("pid")))
# RUN --security=insecure (entitlement security.insecure): confined like --privileged
case("build-step-buildkit-insecure", {"buildStep": True, "binds": bk_binds}, both(buildkit, privileged))
# Docker's layers and BuildKit's state: a build step's cache mount, never a container's bind
layer = "/var/lib/docker/overlay2/abc/diff"
layer_binds = {layer: [layer, "plain"]}
case("refuse-bind-overlay2-layer", {"binds": layer_binds}, add_bind(layer))
case("refuse-bind-buildkit-state", {"binds": {"/var/lib/docker/buildkit": ["/var/lib/docker/buildkit", "plain"]}}, add_bind("/var/lib/docker/buildkit"))
case("refuse-bind-image-db", {"binds": {"/var/lib/docker/image/overlay2": ["/var/lib/docker/image/overlay2", "plain"]}}, add_bind("/var/lib/docker/image/overlay2"))
case("build-step-buildkit-cache-mount", {"buildStep": True, "binds": dict(bk_binds, **layer_binds)},
     both(buildkit, add_bind(layer, "/cache", ("rbind",))))
case("refuse-build-step-bind-image-db", {"buildStep": True, "binds": dict(bk_binds, **{"/var/lib/docker/image": ["/var/lib/docker/image", "plain"]})},
     both(buildkit, add_bind("/var/lib/docker/image")))
case("refuse-build-step-bind-docker-root", {"buildStep": True, "binds": dict(bk_binds, **{"/var/lib/docker": ["/var/lib/docker", "plain"]})},
     both(buildkit, add_bind("/var/lib/docker")))
# The mount-source allow-list (issue 14): a container mounts its volumes, its
# own files and (a build step) layers; nothing else of the VM.
vol = "/var/lib/docker/volumes/v/_data"
case("refuse-bind-volumes-dir", {"binds": {"/var/lib/docker/volumes": ["/var/lib/docker/volumes", "plain"]}}, add_bind("/var/lib/docker/volumes", "/vv"))
case("refuse-bind-containers-dir", {"binds": {"/var/lib/docker/containers": ["/var/lib/docker/containers", "plain"]}}, add_bind("/var/lib/docker/containers", "/c"))
case("refuse-bind-volume-bound-to-vm-path", {"binds": {vol: [vol, "foreign"]}}, add_bind(vol, "/v"))
case("refuse-bind-volume-through-symlink", {"binds": {vol: ["/usr/libexec/ecivm/runc", "plain"]}}, add_bind(vol, "/x"))
case("refuse-bind-volume-unresolved", {"binds": {vol: [None, "unresolved"]}}, add_bind(vol, "/v"))
case("bind-volume-tmpfs", {"binds": {vol: [vol, "tmpfs-root"]}}, add_bind(vol, "/v", ("rbind",)))
case("refuse-bind-other-container-hosts", {"binds": {"/var/lib/docker/containers/c2/hosts": ["/var/lib/docker/containers/c2/hosts", "plain"]}}, add_bind("/var/lib/docker/containers/c2/hosts", "/etc/h2"))
case("refuse-bind-other-container-config", {"binds": {"/var/lib/docker/containers/c2/config.v2.json": ["/var/lib/docker/containers/c2/config.v2.json", "plain"]}}, add_bind("/var/lib/docker/containers/c2/config.v2.json", "/cfg"))
case("refuse-bind-own-hosts-replaced", {"binds": {"/var/lib/docker/containers/c1/hosts": ["/var/lib/docker/containers/c1/hosts", "foreign"]}}, add_bind("/var/lib/docker/containers/c1/hosts", "/h"))
shm = lambda cid: "/var/lib/docker/containers/%s/mounts/shm" % cid
case("bind-own-shm", {"binds": {shm("c1"): [shm("c1"), "tmpfs-root"]}}, add_bind(shm("c1"), "/dev/shm"))
case("bind-shm-of-joined-ipc", {"ipcContainer": "c2", "nsIdentity": {"/proc/4242/ns/ipc": "4:4026532302"}, "binds": {shm("c2"): [shm("c2"), "tmpfs-root"]}},
     both(ns_path("ipc", "/proc/4242/ns/ipc"), add_bind(shm("c2"), "/dev/shm")))
case("refuse-bind-shm-of-other-container", {"binds": {shm("c2"): [shm("c2"), "tmpfs-root"]}}, add_bind(shm("c2"), "/dev/shm"))
case("refuse-bind-own-shm-not-tmpfs", {"binds": {shm("c1"): [shm("c1"), "plain"]}}, add_bind(shm("c1"), "/dev/shm"))
case("refuse-bind-real-runc", {"binds": {"/usr/libexec/ecivm/runc": ["/usr/libexec/ecivm/runc", "plain"]}}, add_bind("/usr/libexec/ecivm/runc", "/r"))
case("refuse-bind-data-disk-alias", {"binds": {"/data/docker/volumes/v/_data": ["/data/docker/volumes/v/_data", "plain"]}}, add_bind("/data/docker/volumes/v/_data", "/v"))
case("refuse-bind-volume-dotdot", {"binds": {"/var/lib/docker/volumes/v/_data/../../../containers": ["/var/lib/docker/containers", "plain"]}}, add_bind("/var/lib/docker/volumes/v/_data/../../../containers", "/c"))
case("bind-docker-init", {"dockerInit": "/usr/bin/tini-static", "binds": {"/usr/bin/docker-init": ["/usr/bin/tini-static", "plain"]}}, add_bind("/usr/bin/docker-init", "/sbin/docker-init", ("bind", "ro")))
case("refuse-bind-docker-init-writable", {"dockerInit": "/usr/bin/tini-static", "binds": {"/usr/bin/docker-init": ["/usr/bin/tini-static", "plain"]}}, add_bind("/usr/bin/docker-init", "/sbin/docker-init", ("bind",)))
case("refuse-build-step-bind-layer-through-link", {"buildStep": True, "binds": dict(bk_binds, **{layer: [layer, "foreign"]})}, both(buildkit, add_bind(layer, "/cache", ("rbind",))))

# cases that pin the classifier's edges (mutants in tests/mutation/mutants.txt)
case("refuse-bind-docker-sock-unresolved-allow-listed", {"socketMountAllowed": True, "engineSocket": engine, "binds": {"/run/docker.sock": ["/run/docker.sock", "unresolved"]}}, add_bind("/run/docker.sock", "/var/run/docker.sock"))
case("refuse-bind-volume-opts-file", {"binds": {"/var/lib/docker/volumes/v/opts.json": ["/var/lib/docker/volumes/v/opts.json", "plain"]}}, add_bind("/var/lib/docker/volumes/v/opts.json", "/o"))
case("refuse-bind-own-config", {"binds": {"/var/lib/docker/containers/c1/config.v2.json": ["/var/lib/docker/containers/c1/config.v2.json", "plain"]}}, add_bind("/var/lib/docker/containers/c1/config.v2.json", "/cfg"))
case("refuse-build-step-bind-dotdot-realpath", {"buildStep": True, "binds": dict(bk_binds, **{"/x": ["/var/lib/docker/overlay2/../containers", "plain"]})}, both(buildkit, add_bind("/x", "/c")))

for name, d in cases.items():
    with open(name + ".json", "w") as fh:
        json.dump(d, fh, indent=2)
        fh.write("\n")
print(len(cases))
